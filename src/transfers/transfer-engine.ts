import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { sha256Hex } from '../audit/audit-chain';
import type { AuditEventInput } from '../audit/audit-log';
import { Deadlines } from '../catalog/deadlines';
import type { FormCatalogue } from '../catalog/forms';
import { parsePeriod, type Period } from '../catalog/periods';
import { SectorCatalogue } from '../catalog/sectors';
import { UnitRegistry } from '../catalog/units';
import { RemoteSystemError } from '../common/remote-system-error';
import { preparedQuery } from '../database/prepared';
import { scrub } from '../logging/redact';
import type { MappingTables } from '../mapping/mapping-tables';
import {
  mapReport,
  mapSummary,
  type MappedForm,
  type MappingContext,
} from '../mapping/report-mapper';
import type { SatisfactionLevels } from '../mapping/satisfaction';
import type { FieldError, StatusPacket, SubmissionPacket } from '../contracts/national-wire';
import { NationalRejection, type NationalClient } from '../national/national.client';
import { SignatureError } from '../national/packet-signature';
import type { UnitSigner } from '../national/unit-signer';
import type { ProvincialClient } from '../provincial/provincial.client';
import type { ProvincialReport } from '../contracts/provincial-wire';
import { ExtractionCursorEntity } from '../database/entities/extraction-cursor.entity';
import { PushWrite } from './push-write';
import { TransferVersionEntity } from '../database/entities/transfer-version.entity';
import { TransferEntity, type TransferState, type TransferStep } from '../database/entities/transfer.entity';

export interface RetryPolicy {
  /** Tries of one content version before it is failed and dead-lettered. */
  retryLimit: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How long to wait before asking again whether a sent submission was received. */
  confirmDelayMs: number;
  /** How long a replica holds a transfer it works on. */
  leaseMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retryLimit: 8,
  backoffBaseMs: 2_000,
  backoffMaxMs: 10 * 60_000,
  confirmDelayMs: 5_000,
  leaseMs: 120_000,
};

export interface EngineDependencies {
  dataSource: DataSource;
  provincial: ProvincialClient;
  national: NationalClient;
  signer: UnitSigner;
  forms: FormCatalogue;
  tables: MappingTables;
  satisfaction: SatisfactionLevels;
  record: (event: AuditEventInput, manager?: EntityManager) => Promise<void>;
  /** The audit module's pending row of an event: lets an attempt and its record go in one statement. */
  auditRow: (event: AuditEventInput) => [Date, string];
  policy?: Partial<RetryPolicy>;
  /** When a summary goes: after its children are confirmed, or also at the deadline, or at once. */
  summaryPolicy?: SummaryPolicy;
  deadlines?: Deadlines;
  /** Who holds leases: this replica. */
  node?: string;
  now?: () => Date;
  random?: () => number;
}

export type SummaryPolicy = 'children-or-deadline' | 'children' | 'immediately';

export interface SyncRequest {
  periodId: string;
  units?: string[];
  forms?: string[];
  dryRun?: boolean;
  actor: string;
  reason?: string;
}

/** What a dry run shows for one form: the payload and how it differs from the national copy. */
export interface DryRunItem {
  unitCode: string;
  formCode: string;
  valid: boolean;
  contentKey: string;
  problems: FieldError[];
  payload: SubmissionPacket;
  national: { submissionId: string; status: string; sameContent: boolean } | null;
  /** What the push would do. */
  action: 'push' | 'correct' | 'none' | 'invalid';
}

export interface SyncResult {
  periodId: string;
  dryRun: boolean;
  reports: number;
  skipped: Array<{ reportId: string; unitCode: string; reason: string }>;
  created: number;
  newVersions: number;
  unchanged: number;
  invalid: number;
  transferIds: string[];
  dryRunItems?: DryRunItem[];
}

type Outcome = {
  state: TransferState;
  step: TransferStep | null;
  done: boolean;
  /** The lease went to another replica while this one worked: it stops here. */
  lost?: boolean;
};

/**
 * The transfer engine: extract approved provincial reports, map and validate them, keep one
 * transfer per (period, unit, form) with a version per content, push each version once under the
 * unit's own accounts (enter → sign → approve → send), confirm, and never resend blindly after a
 * lost answer. Jobs and operators call these methods; the state in the database drives them.
 */
export class TransferEngine {
  private readonly policy: RetryPolicy;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly node: string;
  private readonly deadlines: Deadlines;
  private readonly summaryPolicy: SummaryPolicy;
  /**
   * The lease statement, written once: it returns the columns by name, not `*`, so that a column
   * added by a later migration does not change what this prepared statement returns while an
   * older replica still runs it.
   */
  private leaseStatement?: string;

  constructor(private readonly deps: EngineDependencies) {
    this.deadlines = deps.deadlines ?? Deadlines.load();
    this.summaryPolicy = deps.summaryPolicy ?? 'children-or-deadline';
    this.policy = { ...DEFAULT_RETRY_POLICY, ...deps.policy };
    this.now = deps.now ?? (() => new Date());
    this.random = deps.random ?? Math.random;
    this.node = deps.node ?? randomUUID();
  }

  /** The mapping context over the provincial system's units and sectors as they are now. */
  async mappingContext(): Promise<MappingContext> {
    const [units, sectors] = await Promise.all([
      this.deps.provincial.units(),
      this.deps.provincial.sectors(),
    ]);
    return {
      forms: this.deps.forms,
      units: new UnitRegistry(units),
      sectors: SectorCatalogue.load(sectors),
      tables: this.deps.tables,
      satisfaction: this.deps.satisfaction,
    };
  }

  /**
   * Plan, extract, map and validate a period: each approved report's forms become transfers (or
   * new versions of them when the content changed). A dry run writes nothing and shows each
   * payload beside the national copy.
   */
  async sync(request: SyncRequest): Promise<SyncResult> {
    const context = await this.mappingContext();
    const result: SyncResult = {
      periodId: request.periodId,
      dryRun: Boolean(request.dryRun),
      reports: 0,
      skipped: [],
      created: 0,
      newVersions: 0,
      unchanged: 0,
      invalid: 0,
      transferIds: [],
      ...(request.dryRun ? { dryRunItems: [] } : {}),
    };
    const units = request.units ? new Set(request.units) : undefined;
    const forms = request.forms ? new Set(request.forms) : undefined;
    const since = request.dryRun ? undefined : await this.extractFrom(request.periodId, units);
    for await (const report of this.deps.provincial.reports({
      periodId: request.periodId,
      ...(since ? { updatedSince: since.toISOString() } : {}),
    })) {
      if (units && !units.has(report.officeCode)) continue;
      result.reports += 1;
      const mapping = mapReport(report, context);
      if (!mapping.eligible) {
        result.skipped.push({
          reportId: report.reportId,
          unitCode: report.officeCode,
          reason: mapping.skipReason ?? 'not eligible',
        });
        continue;
      }
      if (!mapping.forms.length && mapping.problems.length) {
        result.skipped.push({
          reportId: report.reportId,
          unitCode: report.officeCode,
          reason: mapping.problems.map((issue) => issue.message).join('; '),
        });
        await this.deps.record({
          actor: request.actor,
          action: 'transfer.extract',
          outcome: 'invalid',
          unitCode: report.officeCode,
          periodId: report.periodId,
          details: { reportId: report.reportId, problems: mapping.problems },
        });
        continue;
      }
      const unit = context.units.get(report.officeCode);
      for (const form of mapping.forms) {
        if (forms && !forms.has(form.formCode)) continue;
        if (request.dryRun) {
          result.dryRunItems!.push(await this.preview(report, form));
          continue;
        }
        const outcome = await this.keep(report, form, unit?.level ?? 'unknown', request);
        tally(result, outcome, form);
      }
    }
    await this.summaries(request, context, result, units, forms);
    await this.deps.record({
      actor: request.actor,
      action: request.dryRun ? 'sync.dry-run' : 'sync.planned',
      outcome: 'ok',
      periodId: request.periodId,
      reason: request.reason ?? null,
      details: {
        units: request.units ?? null,
        forms: request.forms ?? null,
        reports: result.reports,
        created: result.created,
        newVersions: result.newVersions,
        unchanged: result.unchanged,
        invalid: result.invalid,
        skipped: result.skipped.length,
      },
    });
    return result;
  }

  /**
   * Summaries (II.06, II.05) of each district: its children's valid unit forms summed. Read from
   * all of the period's reports (the incremental pass may not hold them all). Pushed once the
   * children's forms are confirmed, or at the district's deadline with what is there, as
   * `transfers.summaryPolicy` says; until then the transfer waits as `planned`.
   */
  private async summaries(
    request: SyncRequest,
    context: MappingContext,
    result: SyncResult,
    units: Set<string> | undefined,
    forms: Set<string> | undefined,
  ): Promise<void> {
    const period = parsePeriod(request.periodId);
    const districts = context.units
      .treeFor(period)
      .filter((unit) => unit.level === 'district' && (!units || units.has(unit.officeCode)));
    if (!districts.length) return;
    const reports = new Map<string, ProvincialReport>();
    for await (const report of this.deps.provincial.reports({ periodId: request.periodId }))
      reports.set(report.officeCode, report);
    for (const district of districts) {
      const report = reports.get(district.officeCode);
      if (!report) continue;
      const children = context.units
        .childrenOf(district.officeCode, period)
        .map((child) => reports.get(child.officeCode))
        .filter((child): child is ProvincialReport => Boolean(child))
        .map((child) => mapReport(child, context));
      const mapping = mapSummary({ report, children }, context);
      if (!mapping.eligible) continue;
      for (const form of mapping.forms) {
        if (forms && !forms.has(form.formCode)) continue;
        if (request.dryRun) {
          result.dryRunItems!.push(await this.preview(report, form));
          continue;
        }
        const ready = await this.summaryReady(district.officeCode, form, period, context);
        const outcome = await this.keep(report, form, district.level, request, ready);
        tally(result, outcome, form);
      }
    }
  }

  /** Whether a summary may go now: its children confirmed, or the deadline reached (by policy). */
  private async summaryReady(
    districtCode: string,
    form: MappedForm,
    period: Period,
    context: MappingContext,
  ): Promise<{ ready: boolean; why: string }> {
    const policy = this.summaryPolicy;
    if (policy === 'immediately') return { ready: true, why: 'policy: immediately' };
    const definition = this.deps.forms.form(form.formCode, period);
    const childForm = definition.kind === 'grid' ? definition.summaryOf : undefined;
    const expected = context.units
      .childrenOf(districtCode, period)
      .filter((child) =>
        this.deps.forms
          .formsFor(period)
          .some(
            (candidate) => candidate.code === childForm && candidate.filedBy.includes(child.level),
          ),
      )
      .map((child) => child.officeCode);
    const confirmed = expected.length
      ? await this.deps.dataSource.query<Array<{ unit_code: string }>>(
          `SELECT unit_code FROM transfer WHERE period_id = $1 AND form_code = $2
              AND unit_code = ANY($3) AND state = 'confirmed'`,
          [period.id, childForm, expected],
        )
      : [];
    if (confirmed.length === expected.length)
      return { ready: true, why: `all ${expected.length} children confirmed` };
    if (policy === 'children-or-deadline') {
      const deadline = this.deadlines.for(definition, period, 'district');
      const today = new Date(this.now().getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
      if (deadline && today >= deadline.date)
        return {
          ready: true,
          why: `deadline ${deadline.date} reached with ${confirmed.length} of ${expected.length} children confirmed`,
        };
    }
    return {
      ready: false,
      why: `waiting for children: ${confirmed.length} of ${expected.length} confirmed`,
    };
  }

  /** The earliest cursor of the units asked for: reports updated since then are read again. */
  private async extractFrom(periodId: string, units?: Set<string>): Promise<Date | undefined> {
    const cursors = await this.deps.dataSource
      .getRepository(ExtractionCursorEntity)
      .findBy({ periodId });
    const relevant = units ? cursors.filter((cursor) => units.has(cursor.unitCode)) : cursors;
    // A unit without a cursor has never been confirmed: read everything.
    if (!relevant.length || (units && relevant.length < units.size)) return undefined;
    if (!units) {
      const known = await this.deps.dataSource.query<Array<{ count: string }>>(
        'SELECT count(DISTINCT unit_code)::text AS count FROM transfer WHERE period_id = $1',
        [periodId],
      );
      if (Number(known[0].count) > relevant.length) return undefined;
    }
    return new Date(Math.min(...relevant.map((cursor) => cursor.updatedSince.getTime())));
  }

  private async preview(report: ProvincialReport, form: MappedForm): Promise<DryRunItem> {
    const existing = await this.deps.national
      .submissions(report.officeCode, { periodId: report.periodId, formCode: form.formCode })
      .catch((error: unknown) => {
        if (error instanceof RemoteSystemError && !error.retryable) return [];
        throw error;
      });
    const current = existing[0];
    const sameContent = current ? current.clientReference === form.contentKey : false;
    return {
      unitCode: report.officeCode,
      formCode: form.formCode,
      valid: form.valid,
      contentKey: form.contentKey,
      problems: form.problems,
      payload: withReference(form.packet, form.contentKey),
      national: current
        ? { submissionId: current.submissionId, status: current.status, sameContent }
        : null,
      action: !form.valid ? 'invalid' : !current ? 'push' : sameContent ? 'none' : 'correct',
    };
  }

  /** Creates the transfer, adds a version when the content changed, or leaves it as it is. */
  private async keep(
    report: ProvincialReport,
    form: MappedForm,
    level: string,
    request: SyncRequest,
    gate: { ready: boolean; why: string } = { ready: true, why: '' },
  ): Promise<{ id: string; change: 'created' | 'version' | 'unchanged' }> {
    return this.deps.dataSource.transaction(async (manager) => {
      const identity = {
        periodId: report.periodId,
        unitCode: report.officeCode,
        formCode: form.formCode,
      };
      let transfer = await manager.findOne(TransferEntity, {
        where: identity,
        lock: { mode: 'pessimistic_write' },
      });
      if (transfer?.contentKey === form.contentKey) {
        // A waiting summary whose children are now confirmed (or whose deadline came) goes.
        if (transfer.state === 'planned' && gate.ready && form.valid) {
          await manager.update(
            TransferEntity,
            { id: transfer.id },
            { state: 'mapped', step: 'submit', nextAttemptAt: this.now() },
          );
          await this.deps.record(
            {
              actor: request.actor,
              action: 'transfer.mapped',
              outcome: 'ok',
              unitCode: transfer.unitCode,
              formCode: transfer.formCode,
              periodId: transfer.periodId,
              transferId: transfer.id,
              reason: gate.why,
              details: { version: transfer.version, released: true },
            },
            manager,
          );
        }
        return { id: transfer.id, change: 'unchanged' };
      }
      const created = !transfer;
      transfer ??= manager.create(TransferEntity, {
        id: randomUUID(),
        ...identity,
        level,
        version: 0,
        submissionId: null,
        nationalStatus: null,
        confirmedAt: null,
        leasedUntil: null,
        leasedBy: null,
      });
      transfer.version += 1;
      transfer.regimeCode = form.regimeCode;
      transfer.contentKey = form.contentKey;
      transfer.mappingVersion = form.mappingVersion;
      transfer.payload = withReference(form.packet, form.contentKey) as unknown as Record<
        string,
        unknown
      >;
      transfer.problems = form.problems;
      transfer.provisional = form.provisional;
      transfer.sourceReportId = report.reportId;
      transfer.sourceUpdatedAt = new Date(report.updatedAt);
      const waits = form.valid && !gate.ready;
      transfer.state = !form.valid ? 'invalid' : waits ? 'planned' : 'mapped';
      transfer.step = form.valid && !waits ? 'submit' : null;
      transfer.attempts = 0;
      transfer.nextAttemptAt = form.valid && !waits ? this.now() : null;
      transfer.lastError = null;
      await manager.save(TransferEntity, transfer);
      await manager.save(TransferVersionEntity, {
        transferId: transfer.id,
        version: transfer.version,
        contentKey: form.contentKey,
        payload: transfer.payload,
        valid: form.valid,
        sourceReportId: report.reportId,
        sourceUpdatedAt: new Date(report.updatedAt),
      });
      await this.deps.record(
        {
          actor: request.actor,
          action: !form.valid ? 'transfer.invalid' : waits ? 'transfer.planned' : 'transfer.mapped',
          outcome: !form.valid ? 'invalid' : waits ? 'waiting' : 'ok',
          unitCode: transfer.unitCode,
          formCode: transfer.formCode,
          periodId: transfer.periodId,
          transferId: transfer.id,
          reason: waits ? gate.why : (request.reason ?? null),
          details: {
            version: transfer.version,
            contentKey: form.contentKey,
            correction: !created,
            reportId: report.reportId,
            problems: form.valid ? undefined : form.problems,
          },
        },
        manager,
      );
      return { id: transfer.id, change: created ? 'created' : 'version' };
    });
  }

  /** Transfers due now (by state and time), oldest first, per unit in version order. */
  async due(limit = 100): Promise<string[]> {
    const rows = await this.deps.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM transfer
        WHERE state IN ('mapped', 'pushing', 'unknown', 'pushed')
          AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
          AND (leased_until IS NULL OR leased_until < $1)
        ORDER BY next_attempt_at NULLS FIRST, created_at
        LIMIT $2`,
      [this.now(), limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Takes a transfer as far as it goes now: the national steps in order, each under the unit's
   * account for it. Returns the state it was left in. Safe to call from any replica at any time:
   * a lease keeps two from working on one transfer, and a lost answer is read back, not resent.
   * Each step is one write (attempt, audit records, next state); the last one frees the lease.
   */
  async push(transferId: string, actor = 'schedule'): Promise<TransferState | 'busy'> {
    const transfer = await this.lease(transferId);
    if (!transfer) return 'busy';
    let outcome: Outcome | undefined;
    try {
      do {
        outcome = await this.advance(transfer, actor);
        transfer.state = outcome.state;
        transfer.step = outcome.step;
      } while (!outcome.done);
      return outcome.lost ? 'busy' : transfer.state;
    } finally {
      // A push that ends normally freed the lease with its last write; one cut short by an
      // unexpected error frees it here.
      if (!outcome?.done)
        await this.deps.dataSource.query(
          `UPDATE transfer SET leased_until = NULL, leased_by = NULL WHERE id = $1 AND leased_by = $2`,
          [transferId, this.node],
        );
    }
  }

  /** The lease and the transfer's row in one round trip. */
  private async lease(transferId: string): Promise<TransferEntity | undefined> {
    const metadata = this.deps.dataSource.getMetadata(TransferEntity);
    this.leaseStatement ??= `UPDATE transfer SET leased_until = $2, leased_by = $3
        WHERE id = $1 AND state IN ('mapped', 'pushing', 'unknown', 'pushed')
          AND (leased_until IS NULL OR leased_until < $4)
        RETURNING ${metadata.columns.map((column) => column.databaseName).join(', ')}`;
    const rows = await preparedQuery<Record<string, unknown>>(
      this.deps.dataSource,
      this.leaseStatement,
      [transferId, new Date(this.now().getTime() + this.policy.leaseMs), this.node, this.now()],
    );
    if (!rows.length) return undefined;
    const transfer = metadata.create() as TransferEntity;
    for (const column of metadata.columns)
      column.setEntityValue(transfer, rows[0][column.databaseName]);
    return transfer;
  }

  private async advance(transfer: TransferEntity, actor: string): Promise<Outcome> {
    if (transfer.state === 'unknown') return this.readBack(transfer, actor);
    const key = transfer.contentKey!;
    const step = transfer.step ?? 'submit';
    const started = this.now();
    let sent: unknown = null;
    try {
      switch (step) {
        case 'submit': {
          const form = this.deps.forms.form(transfer.formCode, transfer.periodId);
          const payload = transfer.payload as unknown as SubmissionPacket;
          const packet = form.signedBy.includes(transfer.level as never)
            ? await this.deps.signer.sign(payload)
            : payload;
          sent = packet;
          const answer = await this.deps.national.submit(packet, {
            idempotencyKey: `${key}:submit`,
            summary: form.kind === 'grid' && Boolean(form.summaryOf),
          });
          return this.answered(transfer, step, started, answer, actor, 'approve');
        }
        case 'approve': {
          const answer = await this.deps.national.approve(
            transfer.unitCode,
            transfer.submissionId!,
            `${key}:approve`,
          );
          return this.answered(transfer, step, started, answer, actor, 'send');
        }
        case 'send': {
          const answer = await this.deps.national.send(
            transfer.unitCode,
            transfer.submissionId!,
            `${key}:send`,
          );
          return this.answered(transfer, step, started, answer, actor);
        }
        case 'confirm': {
          const detail = await this.deps.national.submission(
            transfer.unitCode,
            transfer.submissionId!,
          );
          const answer = { account: null, status: 200, request: null, response: statusOf(detail) };
          return this.answered(transfer, step, started, answer, actor);
        }
      }
    } catch (error) {
      return this.failure(transfer, step, started, sent, error, actor);
    }
  }

  /**
   * A step the national system answered: its attempt, and with it the next step (submit and
   * approve) or what the answer means (send and confirm).
   */
  private async answered(
    transfer: TransferEntity,
    step: TransferStep,
    started: Date,
    answer: { account: string | null; status: number; request: unknown; response: StatusPacket },
    actor: string,
    next?: TransferStep,
  ): Promise<Outcome> {
    const write = this.attempt(transfer, {
      step,
      started,
      outcome: 'ok',
      account: answer.account,
      httpStatus: answer.status,
      request: answer.request,
      response: answer.response,
      actor,
    });
    if (!next) return this.afterSend(transfer, answer.response, write);
    this.change(write, transfer, {
      state: 'pushing',
      step: next,
      submissionId: answer.response.submissionId,
      nationalStatus: answer.response.status,
      ...this.renewed(),
    });
    return this.commit(write, { state: 'pushing', step: next, done: false });
  }

  /** After a send or a confirmation read: received → confirmed; returned; or wait and ask again. */
  private async afterSend(
    transfer: TransferEntity,
    status: StatusPacket,
    write: PushWrite,
  ): Promise<Outcome> {
    const current = status.clientReference === transfer.contentKey;
    if (current && status.status === 'received') return this.confirm(transfer, status, write);
    if (current && status.status === 'returned')
      return this.settle(
        transfer,
        'returned',
        null,
        status,
        { returnedReason: status.returnedReason },
        write,
      );
    this.change(write, transfer, {
      state: 'pushed',
      step: 'confirm',
      nationalStatus: status.status,
      nextAttemptAt: new Date(this.now().getTime() + this.policy.confirmDelayMs),
      ...FREE,
    });
    return this.commit(write, { state: 'pushed', step: 'confirm', done: true });
  }

  private async confirm(
    transfer: TransferEntity,
    status: StatusPacket,
    write: PushWrite,
  ): Promise<Outcome> {
    this.change(write, transfer, {
      state: 'confirmed',
      step: null,
      nationalStatus: status.status,
      submissionId: status.submissionId,
      confirmedAt: this.now(),
      nextAttemptAt: null,
      lastError: null,
      ...FREE,
    });
    write
      .audit(
        this.deps.auditRow({
          actor: 'schedule',
          action: 'transfer.confirmed',
          outcome: 'ok',
          unitCode: transfer.unitCode,
          formCode: transfer.formCode,
          periodId: transfer.periodId,
          transferId: transfer.id,
          response: status,
          details: { version: transfer.version, submissionId: status.submissionId },
        }),
      )
      .advanceCursor(transfer.periodId, transfer.unitCode, this.now());
    return this.commit(write, { state: 'confirmed', step: null, done: true });
  }

  /**
   * Before any resend after a lost answer: ask the national system what it holds under this
   * content key, and adopt it, or send once more when it holds nothing.
   */
  private async readBack(transfer: TransferEntity, actor: string): Promise<Outcome> {
    const started = this.now();
    try {
      const found = await this.deps.national.findByClientReference(transfer.unitCode, {
        clientReference: transfer.contentKey!,
        formCode: transfer.formCode,
        periodId: transfer.periodId,
      });
      const current = found && found.clientReference === transfer.contentKey ? found : undefined;
      const write = this.attempt(transfer, {
        step: 'readback',
        started,
        outcome: current ? 'adopted' : 'ok',
        account: null,
        httpStatus: 200,
        request: { clientReference: transfer.contentKey },
        response: found ?? null,
        actor,
      });
      const next: Record<string, TransferStep> = {
        draft: 'approve',
        approved: 'send',
        sent: 'confirm',
        received: 'confirm',
        returned: 'confirm',
      };
      // Nothing stored under this content: the submit did not land; send it once more.
      const outcome: Outcome = current
        ? {
            state:
              current.status === 'draft' || current.status === 'approved' ? 'pushing' : 'pushed',
            step: next[current.status],
            done: false,
          }
        : { state: 'pushing', step: 'submit', done: false };
      this.change(write, transfer, {
        state: outcome.state,
        step: outcome.step,
        ...(current ? { submissionId: current.submissionId, nationalStatus: current.status } : {}),
        ...this.renewed(),
      });
      return this.commit(write, outcome);
    } catch (error) {
      return this.failure(transfer, 'readback', started, null, error, actor);
    }
  }

  /** A transfer at rest: its state, the reason, an audit record; the lease freed. */
  private async settle(
    transfer: TransferEntity,
    state: TransferState,
    step: TransferStep | null,
    status: StatusPacket | null,
    error: Record<string, unknown> | null,
    write: PushWrite,
  ): Promise<Outcome> {
    this.change(write, transfer, {
      state,
      step,
      nextAttemptAt: null,
      lastError: error,
      ...(status ? { submissionId: status.submissionId, nationalStatus: status.status } : {}),
      ...FREE,
    });
    write.audit(
      this.deps.auditRow({
        actor: 'schedule',
        action: `transfer.${state}`,
        outcome: state,
        unitCode: transfer.unitCode,
        formCode: transfer.formCode,
        periodId: transfer.periodId,
        transferId: transfer.id,
        details: { version: transfer.version, ...(error ?? {}) },
      }),
    );
    return this.commit(write, { state, step, done: true });
  }

  /** What an error means for the transfer: invalid, failed, unknown, or try again later. */
  private async failure(
    transfer: TransferEntity,
    step: string,
    started: Date,
    sent: unknown,
    error: unknown,
    actor: string,
  ): Promise<Outcome> {
    const remote = error instanceof RemoteSystemError ? error : undefined;
    const message = error instanceof Error ? error.message : String(error);
    if (!remote && !(error instanceof SignatureError)) throw error;
    // Only a step that changes something, sent and unanswered, is ambiguous.
    const ambiguous = remote?.ambiguous === true && step !== 'confirm' && step !== 'readback';
    const write = this.attempt(transfer, {
      step,
      started,
      outcome: ambiguous ? 'unknown' : 'failed',
      account: remote?.account ?? null,
      httpStatus: remote?.status ?? null,
      request: sent,
      response:
        error instanceof NationalRejection
          ? { errors: error.errors, warnings: error.warnings }
          : null,
      actor,
      error: message,
      retryable: remote?.retryable ?? false,
    });
    if (error instanceof NationalRejection) {
      this.change(write, transfer, { problems: error.errors });
      return this.settle(transfer, 'invalid', null, null, { step, message }, write);
    }
    if (error instanceof SignatureError)
      return this.settle(
        transfer,
        'failed',
        transfer.step,
        null,
        { step, code: error.code, message },
        write,
      );
    // Not retryable, or the retry budget spent: failed and dead-lettered with its input.
    const attempts = transfer.attempts + 1;
    if (!remote!.retryable || attempts >= this.policy.retryLimit)
      return this.settle(
        transfer,
        'failed',
        transfer.step,
        null,
        {
          step,
          message,
          ...(remote!.retryable
            ? { attempts }
            : { status: remote!.status, account: remote!.account ?? null }),
          deadLetter: { version: transfer.version, contentKey: transfer.contentKey },
        },
        write,
      );
    const state: TransferState = ambiguous
      ? 'unknown'
      : transfer.state === 'mapped'
        ? 'pushing'
        : transfer.state;
    this.change(write, transfer, {
      state,
      attempts,
      lastError: { step, message, status: remote!.status },
      nextAttemptAt: new Date(
        this.now().getTime() + this.backoff(attempts, remote!.retryAfterSeconds),
      ),
      ...FREE,
    });
    return this.commit(write, { state, step: transfer.step, done: true });
  }

  /** Exponential backoff with jitter, never sooner than the server's Retry-After. */
  backoff(attempt: number, retryAfterSeconds?: number): number {
    const ceiling = Math.min(
      this.policy.backoffMaxMs,
      this.policy.backoffBaseMs * 2 ** (attempt - 1),
    );
    const jittered = ceiling / 2 + (this.random() * ceiling) / 2;
    return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
  }

  /**
   * Sends a step's write. Each write renews the lease or frees it; one refused because the lease
   * is no longer this replica's ends the push (the replica holding it now goes on).
   */
  private async commit(write: PushWrite, outcome: Outcome): Promise<Outcome> {
    if (await write.run(this.deps.dataSource)) return outcome;
    return { ...outcome, done: true, lost: true };
  }

  /** The lease held on for another step. */
  private renewed(): Partial<TransferEntity> {
    return { leasedUntil: new Date(this.now().getTime() + this.policy.leaseMs) };
  }

  /** A change to the transfer, in memory now and in the database with the step's write. */
  private change(
    write: PushWrite,
    transfer: TransferEntity,
    change: Partial<TransferEntity>,
  ): void {
    Object.assign(transfer, change);
    write.set(change);
  }

  /** A step's write, begun with its attempt (exact bodies, secrets removed) and audit record. */
  private attempt(
    transfer: TransferEntity,
    call: {
      step: string;
      started: Date;
      outcome: string;
      account: string | null;
      httpStatus: number | null;
      request: unknown;
      response: unknown;
      actor: string;
      error?: string | null;
      retryable?: boolean | null;
    },
  ): PushWrite {
    const { step, account, httpStatus, actor, error = null } = call;
    const request =
      call.request === null || call.request === undefined ? null : scrub(call.request);
    const response =
      call.response === null || call.response === undefined ? null : scrub(call.response);
    return new PushWrite(transfer.id, this.node)
      .attempt({
        id: randomUUID(),
        transferId: transfer.id,
        version: transfer.version,
        step,
        account,
        node: this.node,
        startedAt: call.started,
        finishedAt: this.now(),
        outcome: call.outcome,
        httpStatus,
        request,
        response,
        requestSha256: request === null ? null : sha256Hex(request),
        responseSha256: response === null ? null : sha256Hex(response),
        error,
        retryable: call.retryable ?? null,
      })
      .audit(
        this.deps.auditRow({
          actor,
          action: `transfer.${step}`,
          outcome: call.outcome,
          unitCode: transfer.unitCode,
          formCode: transfer.formCode,
          periodId: transfer.periodId,
          transferId: transfer.id,
          request: request ?? undefined,
          response: response ?? undefined,
          reason: error,
          details: { version: transfer.version, account, httpStatus },
        }),
      );
  }
}

/** The lease freed, with a push's last write. */
const FREE = { leasedUntil: null, leasedBy: null } as const;

function withReference(packet: SubmissionPacket, contentKey: string): SubmissionPacket {
  return {
    ...packet,
    header: { ...packet.header, clientReference: contentKey },
  };
}

function statusOf(detail: StatusPacket & { versions?: unknown }): StatusPacket {
  const { versions: _versions, ...status } = detail;
  return status;
}

function tally(
  result: SyncResult,
  outcome: { id: string; change: 'created' | 'version' | 'unchanged' },
  form: MappedForm,
): void {
  result.transferIds.push(outcome.id);
  if (outcome.change === 'created') result.created += 1;
  else if (outcome.change === 'version') result.newVersions += 1;
  else result.unchanged += 1;
  if (!form.valid && outcome.change !== 'unchanged') result.invalid += 1;
}
