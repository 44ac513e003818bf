import type { DataSource } from 'typeorm';
import type { AuditLog } from '../audit/audit-log';
import { FormCatalogue } from '../catalog/forms';
import { quartersBack } from '../catalog/periods';
import { RemoteSystemError } from '../common/remote-system-error';
import type { AppConfig } from '../config/app-config';
import { DiscrepancyEntity } from '../database/entities/discrepancy.entity';
import { TransferAttemptEntity } from '../database/entities/transfer-attempt.entity';
import { TransferVersionEntity } from '../database/entities/transfer-version.entity';
import { TransferEntity, type TransferState } from '../database/entities/transfer.entity';
import { findDiscrepancy, queryDiscrepancies } from './discrepancy-query';
import {
  discrepancyFiltersOf,
  discrepancyIdOf,
  reasonOf,
  reconcileCommandOf,
  resolutionOf,
  syncCommandOf,
  transferIdOf,
  type SyncParameters,
  type TransferFilters,
} from './dto/transfer-requests';
import { diffPackets, type ReconcileResult } from './reconciler';
import type { SubmissionPacket } from '../contracts/national-wire';
import type { TransferEngine } from './transfer-engine';
import { TransferError } from './transfer-error';
import type { SyncResult } from './transfer-planner';
import { queryTransfers, whereOf } from './transfer-query';
import type { SyncJob, TransferQueue } from './transfer-queue';
import { refuseUnlessDone, TransferTransitions } from './transfer-transitions';
import { assertInScope, unitsInScope } from './unit-scope';
import type { UnitScope } from '../access/roles.decorator';

export interface TransfersServiceParts {
  dataSource: DataSource;
  /** The engine, built when first needed (it needs both systems configured). */
  engine: () => TransferEngine;
  /** Where pushes and syncs are queued for the replicas that work them. */
  queue: TransferQueue;
  audit: Pick<AuditLog, 'record'>;
  config: AppConfig;
}

/**
 * What operators ask of transfers (through the API and the CLI) and what the schedule asks: each
 * a method over the engine, the queue and the transitions. Requests are checked here, by the
 * functions of dto/; the schedule and an operator's re-run go through the same methods.
 */
export class TransfersService {
  /** Operators' transitions need no remote system: they work while the engine cannot. */
  private readonly transitions: TransferTransitions;

  constructor(private readonly parts: TransfersServiceParts) {
    this.transitions = new TransferTransitions(parts.dataSource);
  }

  private get engine(): TransferEngine {
    return this.parts.engine();
  }

  /** An operator starts a sync: a dry run answers with the payloads; a real one plans and enqueues. */
  async startSync(
    parameters: SyncParameters,
    actor: string,
    scope?: UnitScope,
  ): Promise<SyncResult> {
    // Checked against the forms in force before the engine (and its systems) is needed.
    const checked = syncCommandOf(parameters, FormCatalogue.load());
    const command = {
      ...checked,
      units: await unitsInScope(this.parts.dataSource, checked.units, scope),
    };
    try {
      return await this.runSync({ ...command, actor }, command.dryRun);
    } catch (error) {
      if (error instanceof RemoteSystemError)
        throw new TransferError(
          'unavailable',
          'SYNC_REMOTE_UNAVAILABLE',
          `Không chạy được đồng bộ: hệ thống ${error.system} không trả lời được (${error.message})`,
          undefined,
          { system: error.system, status: error.status, retryable: error.retryable },
        );
      throw error;
    }
  }

  /**
   * An operator's sync handed to the queue (a worker plans it, then pushes what is due): the
   * console follows it with syncProgress.
   */
  async enqueueSync(parameters: SyncParameters, actor: string, scope?: UnitScope) {
    const checked = syncCommandOf({ ...parameters, dryRun: false }, FormCatalogue.load());
    const units = await unitsInScope(this.parts.dataSource, checked.units, scope);
    const requestedAt = new Date();
    await this.parts.audit.record({
      actor,
      action: 'sync.requested',
      outcome: 'ok',
      periodId: checked.periodId,
      reason: checked.reason ?? null,
      details: { units: units ?? null, forms: checked.forms ?? null },
    });
    await this.parts.queue.sync({
      periodId: checked.periodId,
      ...(units ? { units } : {}),
      ...(checked.forms ? { forms: checked.forms } : {}),
      actor,
      ...(checked.reason ? { reason: checked.reason } : {}),
    });
    return { periodId: checked.periodId, units: units ?? null, requestedAt };
  }

  /**
   * Where a sync an operator started stands: whether its planning is done (its audit event), and
   * the period's transfers (of its units) by state.
   */
  async syncProgress(request: {
    periodId: string;
    units?: string[];
    actor: string;
    since: Date;
    scope?: UnitScope;
  }) {
    const byState = await this.countByState({
      period: request.periodId,
      unit: request.units,
      scope: request.scope,
    });
    const [planned] = await this.parts.dataSource.query<Array<{ occurred_at: Date }>>(
      `SELECT occurred_at FROM audit_event
        WHERE action = 'sync.planned' AND period_id = $1 AND actor = $2 AND occurred_at >= $3
        ORDER BY seq DESC LIMIT 1`,
      [request.periodId, request.actor, request.since],
    );
    const moving = ['planned', 'mapped', 'pushing', 'pushed'].reduce(
      (sum, state) => sum + (byState[state] ?? 0),
      0,
    );
    return {
      plannedAt: planned?.occurred_at ?? null,
      byState,
      moving,
      done: Boolean(planned) && moving === 0,
    };
  }

  /** Plans a period (the sync job of the queue, or an operator's) and enqueues what is due. */
  async runSync(job: SyncJob, dryRun = false): Promise<SyncResult> {
    // Each batch's due transfers are queued as soon as it is kept: the pushes run while the rest
    // of the period is planned.
    const queueDue = async (transferIds: string[]) => {
      await this.parts.queue.pushMany(await this.engine.pusher.dueAmong(transferIds), job.actor);
    };
    return this.engine.planner.sync({ ...job, dryRun }, dryRun ? {} : { planned: queueDue });
  }

  /** The schedule's push tick: every transfer due now goes to the queue. */
  async pushDue(actor: string): Promise<number> {
    return this.parts.queue.pushMany(await this.engine.pusher.due(100_000), actor);
  }

  /** The schedule's plan tick: a sync job for each period in reach. */
  async planPeriods(at: Date, actor: string): Promise<void> {
    for (const periodId of this.periodsInReach(at))
      await this.parts.queue.sync({ periodId, actor });
  }

  /** The schedule's reconcile tick: each period in reach, in both directions. */
  async reconcilePeriods(at: Date, actor: string): Promise<void> {
    for (const periodId of this.periodsInReach(at)) await this.reconcile({ periodId }, actor);
  }

  /** The quarter of an instant and `transfers.periodsBack` quarters before it. */
  private periodsInReach(at: Date): string[] {
    return quartersBack(at, this.parts.config.transfers.periodsBack).map((period) => period.id);
  }

  /** Reconciles a period (some units, or all the gateway knows there) in both directions. */
  async reconcile(
    parameters: { periodId?: unknown; units?: unknown },
    actor: string,
    scope?: UnitScope,
  ): Promise<ReconcileResult> {
    const { periodId, units: asked } = reconcileCommandOf(parameters, FormCatalogue.load());
    const units = await unitsInScope(this.parts.dataSource, asked, scope);
    const result = await this.engine.reconciler.reconcile(periodId, units, actor);
    await this.parts.queue.pushMany(result.repushed, actor);
    return result;
  }

  list(filters: TransferFilters, page: { limit: number; after: string | undefined }) {
    return queryTransfers(this.parts.dataSource, filters, page.after, page.limit);
  }

  async show(id: string, scope?: UnitScope) {
    const transfer = await this.find(id, scope);
    const { dataSource } = this.parts;
    const [attempts, versions, discrepancies] = await Promise.all([
      dataSource
        .getRepository(TransferAttemptEntity)
        .find({ where: { transferId: id }, order: { startedAt: 'ASC' } }),
      dataSource
        .getRepository(TransferVersionEntity)
        .find({ where: { transferId: id }, order: { version: 'ASC' } }),
      // What reconciliation found: for a different copy, the field-level diff.
      dataSource
        .getRepository(DiscrepancyEntity)
        .find({ where: { transferId: id }, order: { detectedAt: 'ASC' } }),
    ]);
    return { transfer, versions, attempts, discrepancies };
  }

  /**
   * The copy the national system holds for a transfer, beside ours: its latest version and the
   * fields where the two differ. Undefined when nothing was submitted yet.
   */
  async nationalCopy(id: string, scope?: UnitScope) {
    const transfer = await this.find(id, scope);
    if (!transfer.submissionId || !transfer.payload) return undefined;
    const detail = await this.engine.national.submission(transfer.unitCode, transfer.submissionId);
    const held = detail.versions.at(-1)?.packet ?? null;
    return {
      submissionId: detail.submissionId,
      status: detail.status,
      updatedAt: detail.updatedAt,
      sameContent: detail.clientReference === transfer.contentKey,
      held,
      differences: held ? diffPackets(transfer.payload as unknown as SubmissionPacket, held) : [],
    };
  }

  /** One transfer, within the caller's scope. */
  async find(id: string, scope?: UnitScope): Promise<TransferEntity> {
    const transfer = await this.parts.dataSource
      .getRepository(TransferEntity)
      .findOneBy({ id: transferIdOf(id) });
    if (!transfer)
      throw new TransferError(
        'not-found',
        'TRANSFER_NOT_FOUND',
        `Không có lượt chuyển ${id}`,
        'id',
      );
    await assertInScope(this.parts.dataSource, transfer.unitCode, scope);
    return transfer;
  }

  /**
   * Re-runs one transfer: a failed, unknown or waiting one is tried again now (an unknown one is
   * read back first); a drifted one is pushed again; an invalid or returned one is extracted
   * again, since only new data can fix it. Something confirmed with the same content is refused,
   * with the reason.
   */
  async rerun(
    id: string,
    actor: string,
    reason: unknown,
    scope?: UnitScope,
  ): Promise<{ id: string; state: string }> {
    const why = reasonOf(reason);
    const transfer = await this.find(id, scope);
    const refuse = (code: string, message: string, details?: Record<string, unknown>) =>
      new TransferError('conflict', code, message, undefined, details);
    switch (transfer.state) {
      case 'confirmed':
      case 'invalid':
      case 'returned': {
        const result = await this.engine.planner.sync({
          periodId: transfer.periodId,
          units: [transfer.unitCode],
          forms: [transfer.formCode],
          actor,
          reason: why,
        });
        const after = await this.find(id);
        if (after.version !== transfer.version) break;
        const refusal =
          transfer.state === 'confirmed'
            ? refuse(
                'RERUN_CONFIRMED_UNCHANGED',
                `Lượt chuyển ${id} đã được xác nhận với đúng nội dung này (phiên bản ${transfer.version}); báo cáo cấp tỉnh chưa thay đổi nên không có gì để đẩy lại`,
              )
            : transfer.state === 'invalid'
              ? refuse(
                  'RERUN_STILL_INVALID',
                  `Lượt chuyển ${id} vẫn không hợp lệ: báo cáo cấp tỉnh chưa thay đổi (còn ${transfer.problems.length} lỗi cần sửa ở đó trước)`,
                  { problems: transfer.problems.length },
                )
              : refuse(
                  'RERUN_RETURNED_UNCHANGED',
                  `Lượt chuyển ${id} đã bị trả lại để sửa; báo cáo cấp tỉnh chưa được sửa`,
                );
        await this.parts.audit.record({
          actor,
          action: 'transfer.rerun',
          outcome: 'refused',
          unitCode: transfer.unitCode,
          formCode: transfer.formCode,
          periodId: transfer.periodId,
          transferId: id,
          reason: why,
          details: { code: refusal.code, refusal: refusal.message, reports: result.reports },
        });
        throw refusal;
      }
      case 'planned':
        throw refuse(
          'RERUN_SUMMARY_WAITING',
          `Lượt chuyển ${id} là biểu tổng hợp đang chờ các đơn vị con (transfers.summaryPolicy ${this.parts.config.transfers.summaryPolicy}); lần lập kế hoạch sau sẽ cho đi khi các đơn vị con đã được xác nhận`,
        );
      case 'cancelled':
        throw refuse('RERUN_CANCELLED', `Lượt chuyển ${id} đã bị hủy`);
      case 'drifted':
        refuseUnlessDone(id, await this.transitions.repush(this.parts.dataSource.manager, id));
        break;
      default:
        refuseUnlessDone(id, await this.transitions.retry(id, transfer.state));
    }
    await this.parts.audit.record({
      actor,
      action: 'transfer.rerun',
      outcome: 'ok',
      unitCode: transfer.unitCode,
      formCode: transfer.formCode,
      periodId: transfer.periodId,
      transferId: id,
      reason: why,
      details: { fromState: transfer.state },
    });
    await this.parts.queue.push({ transferId: id, actor });
    return { id, state: (await this.find(id)).state };
  }

  /** What a batch re-run would touch: up to 1,000 transfers not confirmed, in the order it goes. */
  async batchTargets(filters: TransferFilters) {
    const parameters: unknown[] = [];
    const conditions = whereOf(filters, parameters);
    conditions.push(`state <> 'confirmed'`);
    return this.parts.dataSource.query<
      Array<{ id: string; unitCode: string; formCode: string; periodId: string; state: string }>
    >(
      `SELECT id, unit_code AS "unitCode", form_code AS "formCode", period_id AS "periodId", state
         FROM transfer WHERE ${conditions.join(' AND ')}
        ORDER BY unit_code, created_at, form_code LIMIT 1000`,
      parameters,
    );
  }

  /** Re-runs a filtered batch, in original order per unit; each answer says what happened. */
  async rerunBatch(filters: TransferFilters, actor: string, reason: unknown) {
    const why = reasonOf(reason);
    const rows = await this.batchTargets(filters);
    const results: Array<{ id: string; state?: string; code?: string; refused?: string }> = [];
    for (const { id } of rows) {
      try {
        results.push(await this.rerun(id, actor, why, filters.scope));
      } catch (error) {
        if (!(error instanceof TransferError)) throw error;
        results.push({ id, code: error.code, refused: error.message });
      }
    }
    return { count: results.length, results };
  }

  /**
   * Cancels a transfer that is not confirmed. A push in flight loses its lease and stops at its
   * next write; what it had sent stays in its attempts and the audit trail.
   */
  async cancel(
    id: string,
    actor: string,
    reason: unknown,
    scope?: UnitScope,
  ): Promise<{ id: string; state: string }> {
    const why = reasonOf(reason);
    const transfer = await this.find(id, scope);
    await this.parts.dataSource.transaction(async (manager) => {
      const outcome = await this.transitions.cancel(manager, id);
      if (!outcome.done)
        throw new TransferError(
          'conflict',
          outcome.state === 'cancelled' ? 'TRANSFER_ALREADY_CANCELLED' : 'TRANSFER_CONFIRMED',
          outcome.state === 'cancelled'
            ? `Lượt chuyển ${id} đã bị hủy trước đó`
            : `Lượt chuyển ${id} đã được xác nhận: không còn gì để hủy`,
          undefined,
          { state: outcome.state },
        );
      await this.parts.audit.record(
        {
          actor,
          action: 'transfer.cancelled',
          outcome: 'ok',
          unitCode: transfer.unitCode,
          formCode: transfer.formCode,
          periodId: transfer.periodId,
          transferId: id,
          reason: why,
          details: { fromState: outcome.from, stoppedPush: outcome.stoppedPush },
        },
        manager,
      );
    });
    return { id, state: 'cancelled' };
  }

  discrepancies(
    query: Record<string, unknown>,
    page: { limit: number; after: string | undefined },
    scope?: UnitScope,
  ) {
    return queryDiscrepancies(
      this.parts.dataSource,
      { ...discrepancyFiltersOf(query), scope },
      page,
    );
  }

  /** One discrepancy, in the caller's scope. */
  async discrepancy(id: string, scope?: UnitScope) {
    const found = await findDiscrepancy(this.parts.dataSource, discrepancyIdOf(id));
    if (!found)
      throw new TransferError(
        'not-found',
        'DISCREPANCY_NOT_FOUND',
        `Không có sai lệch ${id}`,
        'id',
      );
    await assertInScope(this.parts.dataSource, found.unitCode, scope);
    return found;
  }

  /** How many transfers (in the caller's scope) are in each of some states. */
  stateCounts(states: TransferState[], scope?: UnitScope): Promise<Record<string, number>> {
    return this.countByState({ status: states, scope });
  }

  private async countByState(filters: TransferFilters): Promise<Record<string, number>> {
    const parameters: unknown[] = [];
    const conditions = whereOf(filters, parameters);
    const rows = await this.parts.dataSource.query<Array<{ state: string; count: number }>>(
      `SELECT state, count(*)::int AS count FROM transfer WHERE ${conditions.join(' AND ')} GROUP BY state`,
      parameters,
    );
    return Object.fromEntries(rows.map((row) => [row.state, row.count]));
  }

  async resolveDiscrepancy(
    id: string,
    actor: string,
    body: { reason?: unknown; action?: unknown },
    scope?: UnitScope,
  ) {
    const { reason, action } = resolutionOf(body);
    if (scope) await this.discrepancy(id, scope);
    const resolved = await this.engine.reconciler.resolve(
      discrepancyIdOf(id),
      actor,
      reason,
      action,
    );
    if (action === 'repush' && resolved.transferId)
      await this.parts.queue.push({ transferId: resolved.transferId, actor });
    return resolved;
  }
}
