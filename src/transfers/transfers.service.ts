import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { FormCatalogue } from '../catalog/forms';
import { isPeriodId, parsePeriod, periodContaining, previousPeriod } from '../catalog/periods';
import { RemoteSystemError } from '../common/remote-system-error';
import { type AppConfig, InjectConfig } from '../config/app-config';
import { GatewayNodeService } from '../database/gateway-node.service';
import { MappingTables } from '../mapping/mapping-tables';
import { SatisfactionLevels } from '../mapping/satisfaction';
import { ProvincialClient } from '../provincial/provincial.client';
import { VaultRefreshTokens } from '../vault/vault-refresh-tokens';
import { VaultService } from '../vault/vault.service';
import { DiscrepancyEntity } from '../database/entities/discrepancy.entity';
import { Reconciler } from './reconciler';
import { TransferEngine, type SyncResult } from './transfer-engine';
import { TransferAttemptEntity } from '../database/entities/transfer-attempt.entity';
import { queryTransfers, whereOf, type TransferFilters } from './transfer-query';
import { QUEUES, TransferQueue, type SyncJob, type TickJob } from './transfer-queue';
import { TransferVersionEntity } from '../database/entities/transfer-version.entity';
import { TransferEntity } from '../database/entities/transfer.entity';

/** An operator's request refused, with the status the API answers and the parameter at fault. */
export class TransferRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 503,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
  }
}

export interface SyncParameters {
  periodId?: unknown;
  units?: unknown;
  forms?: unknown;
  dryRun?: unknown;
  reason?: unknown;
}

/**
 * The transfer engine inside the gateway: its jobs on pg-boss, its schedule, and what operators
 * ask of it. The schedule and an operator's re-run go through the same engine methods.
 */
@Injectable()
export class TransfersService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TransfersService.name);
  private engineInstance?: TransferEngine;
  private reconcilerInstance?: Reconciler;
  private queue?: TransferQueue;
  private readonly forms = FormCatalogue.load();

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly vault: VaultService,
    private readonly schedules: SchedulerRegistry,
    private readonly node: GatewayNodeService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** The engine, once both systems are configured (demo mode: the simulators). */
  engine(): TransferEngine {
    if (!this.config.provincial.baseUrl || !this.config.national.baseUrl)
      throw new TransferRequestError(
        503,
        'the provincial and national systems are not configured: the transfer engine cannot run',
      );
    this.engineInstance ??= new TransferEngine({
      dataSource: this.dataSource,
      provincial: new ProvincialClient(
        this.config,
        undefined,
        undefined,
        new VaultRefreshTokens(this.vault.vault),
      ),
      national: this.vault.nationalClient(),
      signer: this.vault.unitSigner(),
      forms: this.forms,
      tables: MappingTables.load(),
      satisfaction: SatisfactionLevels.load(),
      record: (event, manager) => this.audit.record(event, manager),
      auditRow: (event) => this.audit.log.pendingRow(event),
      node: this.node.id,
      summaryPolicy: this.config.transfers.summaryPolicy,
      policy: {
        retryLimit: this.config.transfers.retryLimit,
        backoffBaseMs: this.config.transfers.backoffBaseMs,
        backoffMaxMs: this.config.transfers.backoffMaxMs,
        leaseMs: this.config.transfers.leaseSeconds * 1000,
      },
    });
    return this.engineInstance;
  }

  async onApplicationBootstrap(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    if (!url) return;
    this.queue = new TransferQueue(url);
    await this.queue.start((error) => this.logger.error({ err: error }, 'job queue error'));
    if (!this.config.transfers.workers) return;
    const concurrency = this.config.transfers.pushConcurrency;
    await this.queue.boss.work<TickJob>(QUEUES.tick, async ([job]) => this.onTick(job.data));
    await this.queue.boss.work<SyncJob>(QUEUES.sync, async ([job]) => {
      await this.runSync({ ...job.data, dryRun: false }, job.data.actor);
    });
    this.queue.workPushes(
      concurrency,
      (job) => this.engine().push(job.transferId, job.actor),
      (error) => this.logger.error({ err: error }, 'push job error'),
    );
    if (this.config.transfers.scheduleEnabled) {
      this.declareSchedule();
      // A start is a tick too: what became due while no replica ran is planned and pushed now.
      const at = new Date();
      at.setSeconds(0, 0);
      for (const tick of ['plan', 'push'] as const)
        await this.queue.tick({ tick, at: at.toISOString(), source: 'start' });
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const name of this.schedules.getCronJobs().keys())
      if (name.startsWith('transfers.')) await this.schedules.getCronJob(name).stop();
    await this.queue?.stop(Math.max(1000, this.config.shutdown.graceMs - 2000));
  }

  /** Cron ticks in Vietnam time: each only enqueues a job keyed to the tick. */
  private declareSchedule(): void {
    const { schedule, timezone } = this.config.transfers;
    for (const tick of ['plan', 'push', 'reconcile'] as const) {
      const job = CronJob.from({
        cronTime: schedule[tick],
        timeZone: timezone,
        start: true,
        onTick: () => {
          const at = new Date();
          at.setSeconds(0, 0);
          this.queue
            ?.tick({ tick, at: at.toISOString() })
            .catch((error: unknown) =>
              this.logger.error({ err: error, tick }, 'tick not enqueued'),
            );
        },
      });
      this.schedules.addCronJob(`transfers.${tick}`, job);
    }
  }

  /** What a tick does. State decides, so a missed tick only delays. */
  async onTick(job: TickJob): Promise<void> {
    if (job.tick === 'push') {
      await this.queue?.pushMany(await this.engine().due(100_000), 'schedule');
      return;
    }
    for (const periodId of this.periodsInReach(new Date(job.at))) {
      if (job.tick === 'plan') await this.queue?.sync({ periodId, actor: 'schedule' });
      else await this.reconcile({ periodId }, 'schedule');
    }
  }

  /** The quarter of an instant and `transfers.periodsBack` quarters before it. */
  private periodsInReach(at: Date): string[] {
    const periods: string[] = [];
    let period = periodContaining('quarter', at);
    for (let back = 0; back <= this.config.transfers.periodsBack; back++) {
      periods.push(period.id);
      period = previousPeriod(period);
    }
    return periods;
  }

  private reconciler(): Reconciler {
    this.engine();
    this.reconcilerInstance ??= new Reconciler(
      this.dataSource,
      this.vault.nationalClient(),
      (event, manager) => this.audit.record(event, manager),
      { repushMissing: this.config.transfers.repushMissing },
    );
    return this.reconcilerInstance;
  }

  /** Reconciles a period (some units, or all the gateway knows there) in both directions. */
  async reconcile(parameters: { periodId?: unknown; units?: unknown }, actor: string) {
    const periodId = parameters.periodId;
    if (typeof periodId !== 'string' || !isPeriodId(periodId))
      throw new TransferRequestError(400, 'periodId must be a period id like 2026-Q4', 'periodId');
    const units = parameters.units;
    if (
      units !== undefined &&
      (!Array.isArray(units) || units.some((unit) => typeof unit !== 'string' || !unit))
    )
      throw new TransferRequestError(400, 'units must be a list of unit codes', 'units');
    const result = await this.reconciler().reconcile(
      periodId,
      units as string[] | undefined,
      actor,
    );
    await this.queue?.pushMany(result.repushed, actor);
    return result;
  }

  async discrepancies(query: Record<string, unknown>) {
    const parameters: unknown[] = [];
    const conditions: string[] = [];
    const text = (name: string) => {
      const value = query[name];
      if (value === undefined || value === '') return undefined;
      if (typeof value !== 'string')
        throw new TransferRequestError(400, `${name} must be given once`, name);
      return value;
    };
    const status = text('status');
    if (status) {
      if (!['open', 'resolved', 'repushed'].includes(status))
        throw new TransferRequestError(400, 'status must be open, resolved or repushed', 'status');
      conditions.push(`status = $${parameters.push(status)}`);
    }
    const kind = text('kind');
    if (kind) {
      if (!['missing', 'different', 'unexpected', 'returned'].includes(kind))
        throw new TransferRequestError(
          400,
          'kind must be missing, different, unexpected or returned',
          'kind',
        );
      conditions.push(`kind = $${parameters.push(kind)}`);
    }
    const period = text('period');
    if (period) {
      if (!isPeriodId(period))
        throw new TransferRequestError(400, 'period must be a period id like 2026-Q4', 'period');
      conditions.push(`period_id = $${parameters.push(period)}`);
    }
    const unit = text('unit');
    if (unit) conditions.push(`unit_code = $${parameters.push(unit)}`);
    const after = text('after');
    if (after) {
      if (!/^[0-9a-f-]{36}$/i.test(after))
        throw new TransferRequestError(
          400,
          'after must be a discrepancy id from nextAfter',
          'after',
        );
      conditions.push(
        `(detected_at, id) > (SELECT detected_at, id FROM discrepancy WHERE id = $${parameters.push(after)})`,
      );
    }
    const limit = Number(text('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new TransferRequestError(400, 'limit must be an integer from 1 to 1000', 'limit');
    const items = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT id, period_id AS "periodId", unit_code AS "unitCode", form_code AS "formCode",
              transfer_id AS "transferId", kind, details, status, detected_at AS "detectedAt",
              resolved_at AS "resolvedAt", resolved_by AS "resolvedBy", resolution
         FROM discrepancy ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY detected_at, id LIMIT $${parameters.push(limit + 1)}`,
      parameters,
    );
    const more = items.length > limit;
    if (more) items.pop();
    return { items, nextAfter: more ? String(items[items.length - 1].id) : null };
  }

  async resolveDiscrepancy(
    id: string,
    actor: string,
    body: { reason?: unknown; action?: unknown },
  ) {
    const reason = this.reasonOf(body.reason);
    const action = body.action ?? 'accept';
    if (action !== 'accept' && action !== 'repush')
      throw new TransferRequestError(400, 'action must be accept or repush', 'action');
    if (!/^[0-9a-f-]{36}$/i.test(id))
      throw new TransferRequestError(400, `id ${id} is not a discrepancy id (a UUID)`, 'id');
    try {
      const resolved = await this.reconciler().resolve(id, actor, reason, action);
      if (action === 'repush' && resolved.transferId)
        await this.queue?.push({ transferId: resolved.transferId, actor });
      return resolved;
    } catch (error) {
      const message = (error as Error).message;
      if (message.startsWith('no discrepancy')) throw new TransferRequestError(404, message, 'id');
      if (/already|no transfer/.test(message)) throw new TransferRequestError(409, message);
      throw error;
    }
  }

  private async runSync(
    request: SyncJob & { dryRun: boolean },
    actor: string,
  ): Promise<SyncResult> {
    const result = await this.engine().sync({ ...request, actor });
    if (!request.dryRun) {
      const due = new Set(await this.engine().due(100_000));
      await this.queue?.pushMany(
        result.transferIds.filter((transferId) => due.has(transferId)),
        actor,
      );
    }
    return result;
  }

  /** An operator starts a sync: a dry run answers with the payloads; a real one plans and enqueues. */
  async startSync(parameters: SyncParameters, actor: string): Promise<SyncResult> {
    const periodId = parameters.periodId;
    if (typeof periodId !== 'string' || !isPeriodId(periodId))
      throw new TransferRequestError(400, 'periodId must be a period id like 2026-Q4', 'periodId');
    const list = (value: unknown, name: string): string[] | undefined => {
      if (value === undefined || value === null) return undefined;
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || !item))
        throw new TransferRequestError(400, `${name} must be a list of codes`, name);
      return value as string[];
    };
    if (parameters.dryRun !== undefined && typeof parameters.dryRun !== 'boolean')
      throw new TransferRequestError(400, 'dryRun must be true or false', 'dryRun');
    const forms = list(parameters.forms, 'forms');
    const unknownForms = (forms ?? []).filter(
      (code) => !this.forms.formsFor(parsePeriod(periodId)).some((form) => form.code === code),
    );
    if (unknownForms.length)
      throw new TransferRequestError(
        400,
        `forms ${unknownForms.join(', ')} are not in force for ${periodId}`,
        'forms',
      );
    try {
      return await this.runSync(
        {
          periodId,
          units: list(parameters.units, 'units'),
          forms,
          dryRun: parameters.dryRun === true,
          actor,
          reason: typeof parameters.reason === 'string' ? parameters.reason : undefined,
        },
        actor,
      );
    } catch (error) {
      if (error instanceof RemoteSystemError)
        throw new TransferRequestError(503, `the sync could not run: ${error.message}`);
      throw error;
    }
  }

  list(filters: TransferFilters, after: string | undefined, limit: number) {
    return queryTransfers(this.dataSource, filters, after, limit);
  }

  async show(id: string) {
    const transfer = await this.find(id);
    const [attempts, versions, discrepancies] = await Promise.all([
      this.dataSource
        .getRepository(TransferAttemptEntity)
        .find({ where: { transferId: id }, order: { startedAt: 'ASC' } }),
      this.dataSource
        .getRepository(TransferVersionEntity)
        .find({ where: { transferId: id }, order: { version: 'ASC' } }),
      // What reconciliation found: for a different copy, the field-level diff.
      this.dataSource
        .getRepository(DiscrepancyEntity)
        .find({ where: { transferId: id }, order: { detectedAt: 'ASC' } }),
    ]);
    return { transfer, versions, attempts, discrepancies };
  }

  private async find(id: string): Promise<TransferEntity> {
    if (!/^[0-9a-f-]{36}$/i.test(id))
      throw new TransferRequestError(400, `id ${id} is not a transfer id (a UUID)`, 'id');
    const transfer = await this.dataSource.getRepository(TransferEntity).findOneBy({ id });
    if (!transfer) throw new TransferRequestError(404, `no transfer ${id}`, 'id');
    return transfer;
  }

  /**
   * Re-runs one transfer: a failed, unknown or waiting one is tried again now (an unknown one is
   * read back first); an invalid or returned one is extracted again, since only new data can fix
   * it. Something confirmed with the same content is refused, with the reason.
   */
  async rerun(id: string, actor: string, reason: unknown): Promise<{ id: string; state: string }> {
    const why = this.reasonOf(reason);
    const transfer = await this.find(id);
    if (
      transfer.state === 'confirmed' ||
      transfer.state === 'invalid' ||
      transfer.state === 'returned'
    ) {
      const result = await this.engine().sync({
        periodId: transfer.periodId,
        units: [transfer.unitCode],
        forms: [transfer.formCode],
        actor,
        reason: why,
      });
      const after = await this.find(id);
      if (after.version === transfer.version) {
        const refusal =
          transfer.state === 'confirmed'
            ? `transfer ${id} is confirmed with this content (version ${transfer.version}); the provincial report has not changed, so there is nothing to push again`
            : transfer.state === 'invalid'
              ? `transfer ${id} is still invalid: the provincial report has not changed (${transfer.problems.length} problem(s) to fix there first)`
              : `transfer ${id} was returned for correction; the provincial report has not changed yet`;
        await this.audit.record({
          actor,
          action: 'transfer.rerun',
          outcome: 'refused',
          unitCode: transfer.unitCode,
          formCode: transfer.formCode,
          periodId: transfer.periodId,
          transferId: id,
          reason: why,
          details: { refusal, reports: result.reports },
        });
        throw new TransferRequestError(409, refusal);
      }
    } else if (transfer.state === 'planned') {
      throw new TransferRequestError(
        409,
        `transfer ${id} is a summary waiting for its children (transfers.summaryPolicy ${this.config.transfers.summaryPolicy}); the next plan releases it once they are confirmed`,
      );
    } else if (transfer.state === 'cancelled') {
      throw new TransferRequestError(409, `transfer ${id} was cancelled`);
    } else {
      await this.dataSource.getRepository(TransferEntity).update(
        { id },
        {
          state: transfer.state === 'failed' ? 'pushing' : transfer.state,
          attempts: 0,
          nextAttemptAt: new Date(),
          leasedUntil: null,
          leasedBy: null,
        },
      );
    }
    await this.audit.record({
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
    await this.queue?.push({ transferId: id, actor });
    return { id, state: (await this.find(id)).state };
  }

  /** Re-runs a filtered batch, in original order per unit; each answer says what happened. */
  async rerunBatch(filters: TransferFilters, actor: string, reason: unknown) {
    const why = this.reasonOf(reason);
    const parameters: unknown[] = [];
    const conditions = whereOf(filters, parameters);
    conditions.push(`state <> 'confirmed'`);
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM transfer WHERE ${conditions.join(' AND ')} ORDER BY unit_code, created_at, form_code LIMIT 1000`,
      parameters,
    );
    const results: Array<{ id: string; state?: string; refused?: string }> = [];
    for (const { id } of rows) {
      try {
        results.push(await this.rerun(id, actor, why));
      } catch (error) {
        if (!(error instanceof TransferRequestError)) throw error;
        results.push({ id, refused: error.message });
      }
    }
    return { count: results.length, results };
  }

  async cancel(id: string, actor: string, reason: unknown): Promise<{ id: string; state: string }> {
    const why = this.reasonOf(reason);
    const transfer = await this.find(id);
    if (transfer.state === 'confirmed')
      throw new TransferRequestError(
        409,
        `transfer ${id} is confirmed: there is nothing to cancel`,
      );
    await this.dataSource.transaction(async (manager) => {
      await manager.update(
        TransferEntity,
        { id },
        { state: 'cancelled', nextAttemptAt: null, step: null },
      );
      await this.audit.record(
        {
          actor,
          action: 'transfer.cancelled',
          outcome: 'ok',
          unitCode: transfer.unitCode,
          formCode: transfer.formCode,
          periodId: transfer.periodId,
          transferId: id,
          reason: why,
          details: { fromState: transfer.state },
        },
        manager,
      );
    });
    return { id, state: 'cancelled' };
  }

  private reasonOf(reason: unknown): string {
    if (typeof reason !== 'string' || !reason.trim())
      throw new TransferRequestError(
        400,
        'reason is required: say why, for the audit trail',
        'reason',
      );
    return reason.trim();
  }
}
