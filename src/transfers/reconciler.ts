import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditEventInput } from '../audit/audit-log';
import { RemoteSystemError } from '../common/remote-system-error';
import type { StatusPacket, SubmissionPacket } from '../contracts/national-wire';
import type { NationalClient } from '../national/national.client';
import { DiscrepancyEntity, type DiscrepancyKind } from '../database/entities/discrepancy.entity';
import { TransferEntity } from '../database/entities/transfer.entity';
import { TransferError } from './transfer-error';
import { refuseUnlessDone, type TransferTransitions } from './transfer-transitions';

export interface FieldDifference {
  path: string;
  sent: unknown;
  held: unknown;
}

export interface ReconcileResult {
  periodId: string;
  units: number;
  checked: number;
  found: Record<DiscrepancyKind, number>;
  /** Transfers queued for a push again (a missing copy, where policy allows). */
  repushed: string[];
  /** Units the national system could not be asked about, and why. */
  unreachable: Array<{ unitCode: string; error: string }>;
}

/** Every leaf of a JSON value by path ("body.rows[0].cells.3"). */
function leaves(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (Array.isArray(value))
    value.forEach((item, index) => leaves(item, `${prefix}[${index}]`, out));
  else if (value !== null && typeof value === 'object')
    for (const [key, child] of Object.entries(value as Record<string, unknown>))
      leaves(child, prefix ? `${prefix}.${key}` : key, out);
  else out.set(prefix, value);
  return out;
}

/** The fields where two packets differ (header and body; the signature is not content). */
export function diffPackets(sent: SubmissionPacket, held: SubmissionPacket): FieldDifference[] {
  const a = leaves({ header: sent.header, body: sent.body }, '', new Map());
  const b = leaves({ header: held.header, body: held.body }, '', new Map());
  const differences: FieldDifference[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    if (path === 'header.clientReference') continue;
    const left = a.get(path);
    const right = b.get(path);
    if (JSON.stringify(left) !== JSON.stringify(right))
      differences.push({ path, sent: left ?? null, held: right ?? null });
  }
  return differences.sort((x, y) => x.path.localeCompare(y.path));
}

/**
 * Reconciles a period in both directions, unit by unit: what the gateway confirmed against what
 * the national system holds. Each finding is an open discrepancy (one per kind and form at a
 * time); a missing copy is pushed again when policy allows; a different or returned one marks
 * the transfer drifted or returned.
 */
export class Reconciler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transitions: TransferTransitions,
    private readonly national: NationalClient,
    private readonly record: (event: AuditEventInput, manager?: EntityManager) => Promise<void>,
    private readonly options: { repushMissing: boolean },
  ) {}

  async reconcile(
    periodId: string,
    units: string[] | undefined,
    actor: string,
  ): Promise<ReconcileResult> {
    const transfers = await this.dataSource.getRepository(TransferEntity).find({
      where: { periodId },
    });
    const byUnit = new Map<string, TransferEntity[]>();
    for (const transfer of transfers) {
      if (units && !units.includes(transfer.unitCode)) continue;
      byUnit.set(transfer.unitCode, [...(byUnit.get(transfer.unitCode) ?? []), transfer]);
    }
    for (const unit of units ?? []) if (!byUnit.has(unit)) byUnit.set(unit, []);
    const result: ReconcileResult = {
      periodId,
      units: byUnit.size,
      checked: 0,
      found: { missing: 0, different: 0, unexpected: 0, returned: 0 },
      repushed: [],
      unreachable: [],
    };
    for (const [unitCode, mine] of byUnit) {
      let held: StatusPacket[];
      try {
        held = await this.national.submissions(unitCode, { periodId });
      } catch (error) {
        if (!(error instanceof RemoteSystemError)) throw error;
        result.unreachable.push({ unitCode, error: error.message });
        continue;
      }
      const heldByForm = new Map(held.map((status) => [status.formCode, status]));
      for (const transfer of mine) {
        if (!['confirmed', 'drifted', 'returned'].includes(transfer.state)) continue;
        result.checked += 1;
        const status = heldByForm.get(transfer.formCode);
        if (!status) {
          await this.found(result, transfer, 'missing', { expected: transfer.contentKey }, actor);
          if (
            this.options.repushMissing &&
            (await this.transitions.repush(this.dataSource.manager, transfer.id)).done
          )
            result.repushed.push(transfer.id);
          continue;
        }
        if (status.status === 'returned') {
          await this.found(
            result,
            transfer,
            'returned',
            { submissionId: status.submissionId, reason: status.returnedReason },
            actor,
          );
          await this.transitions.mark(transfer.id, 'returned');
          continue;
        }
        const detail = await this.national.submission(unitCode, status.submissionId);
        const current = detail.versions.at(-1)?.packet;
        const differences = current
          ? diffPackets(transfer.payload as unknown as SubmissionPacket, current)
          : [];
        if (differences.length || status.clientReference !== transfer.contentKey) {
          await this.found(
            result,
            transfer,
            'different',
            {
              submissionId: status.submissionId,
              nationalVersion: status.version,
              heldReference: status.clientReference,
              differences,
            },
            actor,
          );
          await this.transitions.mark(transfer.id, 'drifted');
        }
      }
      const known = new Set(mine.map((transfer) => transfer.formCode));
      for (const status of held) {
        if (known.has(status.formCode)) continue;
        await this.found(
          result,
          { periodId, unitCode, formCode: status.formCode, id: null },
          'unexpected',
          { submissionId: status.submissionId, status: status.status, version: status.version },
          actor,
        );
      }
    }
    await this.record({
      actor,
      action: 'reconcile.done',
      outcome: 'ok',
      periodId,
      details: {
        units: result.units,
        checked: result.checked,
        found: result.found,
        repushed: result.repushed.length,
        unreachable: result.unreachable.length,
      },
    });
    return result;
  }

  /** Opens a discrepancy unless the same one is open already. */
  private async found(
    result: ReconcileResult,
    transfer: Pick<TransferEntity, 'periodId' | 'unitCode' | 'formCode'> & { id: string | null },
    kind: DiscrepancyKind,
    details: Record<string, unknown>,
    actor: string,
  ): Promise<void> {
    result.found[kind] += 1;
    await this.dataSource.transaction(async (manager) => {
      const inserted = await manager.query<Array<{ id: string }>>(
        `INSERT INTO discrepancy (id, period_id, unit_code, form_code, transfer_id, kind, details, status, detected_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', now())
         ON CONFLICT (period_id, unit_code, form_code, kind) WHERE status = 'open' DO NOTHING
         RETURNING id`,
        [
          randomUUID(),
          transfer.periodId,
          transfer.unitCode,
          transfer.formCode,
          transfer.id,
          kind,
          JSON.stringify(details),
        ],
      );
      if (!inserted.length) return;
      await this.record(
        {
          actor,
          action: `reconcile.${kind}`,
          outcome: 'discrepancy',
          unitCode: transfer.unitCode,
          formCode: transfer.formCode,
          periodId: transfer.periodId,
          transferId: transfer.id,
          details: { discrepancyId: inserted[0].id, ...details },
        },
        manager,
      );
    });
  }

  /** An operator resolves a discrepancy with a reason; `repush` queues the transfer again. */
  async resolve(
    id: string,
    actor: string,
    reason: string,
    action: 'accept' | 'repush',
  ): Promise<DiscrepancyEntity> {
    return this.dataSource.transaction(async (manager) => {
      const discrepancy = await manager.findOne(DiscrepancyEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!discrepancy)
        throw new TransferError(
          'not-found',
          'DISCREPANCY_NOT_FOUND',
          `Không có sai lệch ${id}`,
          'id',
        );
      if (discrepancy.status !== 'open')
        throw new TransferError(
          'conflict',
          'DISCREPANCY_ALREADY_RESOLVED',
          `Sai lệch ${id} đã được xử lý (${discrepancy.status})`,
        );
      if (action === 'repush') {
        if (!discrepancy.transferId || discrepancy.kind === 'unexpected')
          throw new TransferError(
            'conflict',
            'DISCREPANCY_NOTHING_TO_REPUSH',
            `Sai lệch ${id} không gắn với lượt chuyển nào của cổng để đẩy lại`,
          );
        refuseUnlessDone(
          discrepancy.transferId,
          await this.transitions.repush(manager, discrepancy.transferId),
        );
      }
      discrepancy.status = action === 'repush' ? 'repushed' : 'resolved';
      discrepancy.resolvedAt = new Date();
      discrepancy.resolvedBy = actor;
      discrepancy.resolution = reason;
      await manager.save(discrepancy);
      await this.record(
        {
          actor,
          action: 'discrepancy.resolved',
          outcome: discrepancy.status,
          unitCode: discrepancy.unitCode,
          formCode: discrepancy.formCode,
          periodId: discrepancy.periodId,
          transferId: discrepancy.transferId,
          reason,
          details: { discrepancyId: id, kind: discrepancy.kind, action },
        },
        manager,
      );
      return discrepancy;
    });
  }
}
