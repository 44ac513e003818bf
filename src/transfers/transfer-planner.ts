import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditEventInput, PendingRow } from '../audit/audit-log';
import type { Deadlines } from '../catalog/deadlines';
import type { FormCatalogue } from '../catalog/forms';
import { parsePeriod, type Period } from '../catalog/periods';
import { SectorCatalogue } from '../catalog/sectors';
import { UnitRegistry } from '../catalog/units';
import { RemoteSystemError } from '../common/remote-system-error';
import type { FieldError, SubmissionPacket } from '../contracts/national-wire';
import type { ProvincialReport } from '../contracts/provincial-wire';
import { ExtractionCursorEntity } from '../database/entities/extraction-cursor.entity';
import type { MappingTables } from '../mapping/mapping-tables';
import {
  mapReport,
  mapSummary,
  type MappedForm,
  type MappingContext,
} from '../mapping/report-mapper';
import type { SatisfactionLevels } from '../mapping/satisfaction';
import type { NationalClient } from '../national/national.client';
import type { ProvincialClient } from '../provincial/provincial.client';
import { keepIntakes, keepUnits, type IntakeRow } from './report-intake';
import type { TransferTransitions } from './transfer-transitions';

export type SummaryPolicy = 'children-or-deadline' | 'children' | 'immediately';

export interface PlannerParts {
  dataSource: DataSource;
  transitions: TransferTransitions;
  provincial: ProvincialClient;
  national: NationalClient;
  forms: FormCatalogue;
  tables: MappingTables;
  satisfaction: SatisfactionLevels;
  record: (event: AuditEventInput, manager?: EntityManager) => Promise<void>;
  /** An audit record as a pending row, for a statement that writes it with its change. */
  auditRow: (event: AuditEventInput) => PendingRow;
  /** When a summary goes: after its children are confirmed, or also at the deadline, or at once. */
  summaryPolicy: SummaryPolicy;
  deadlines: Deadlines;
  now: () => Date;
}

/** What a sync tells its caller while it runs (the queue starts pushing before the plan ends). */
export interface SyncProgress {
  /** The transfers of a batch just kept (created, new version or unchanged), in report order. */
  planned?(transferIds: string[]): Promise<void>;
}

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

/**
 * Plans a period: extracts the approved provincial reports, maps and validates them, and keeps
 * one transfer per (period, unit, form) with a version per content (summaries wait for their
 * children by policy). A dry run writes nothing and shows each payload beside the national copy.
 */
export class TransferPlanner {
  private readonly deadlines: Deadlines;
  private readonly summaryPolicy: SummaryPolicy;
  private readonly now: () => Date;

  constructor(private readonly deps: PlannerParts) {
    this.deadlines = deps.deadlines;
    this.summaryPolicy = deps.summaryPolicy;
    this.now = deps.now;
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
  async sync(request: SyncRequest, progress: SyncProgress = {}): Promise<SyncResult> {
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
    const intakes: IntakeRow[] = [];
    const intake = (
      report: ProvincialReport,
      outcome: IntakeRow['outcome'],
      reason: string | null,
      problems: FieldError[] = [],
    ) =>
      intakes.push({
        periodId: report.periodId,
        reportId: report.reportId,
        unitCode: report.officeCode,
        reportStatus: report.status,
        approvedAt: report.approvedAt,
        outcome,
        reason,
        problems,
      });
    if (!request.dryRun) await keepUnits(this.deps.dataSource, context.units.units, this.now());
    const batch: KeepItem[] = [];
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
        intake(report, 'skipped', mapping.skipReason);
        continue;
      }
      if (!mapping.forms.length && mapping.problems.length) {
        result.skipped.push({
          reportId: report.reportId,
          unitCode: report.officeCode,
          reason: mapping.problems.map((issue) => issue.message).join('; '),
        });
        intake(
          report,
          'invalid',
          mapping.problems.map((issue) => issue.message).join('; '),
          mapping.problems,
        );
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
      intake(report, 'planned', null);
      for (const form of mapping.forms) {
        if (forms && !forms.has(form.formCode)) continue;
        if (request.dryRun) {
          result.dryRunItems!.push(await this.preview(report, form));
          continue;
        }
        batch.push({ report, form, level: unit?.level ?? 'unknown' });
        if (batch.length >= KEEP_BATCH)
          await this.keepAll(batch.splice(0), request, result, progress);
      }
    }
    await this.keepAll(batch, request, result, progress);
    if (!request.dryRun) await keepIntakes(this.deps.dataSource, intakes, this.now());
    await this.summaries(request, context, result, units, forms, progress);
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
    progress: SyncProgress,
  ): Promise<void> {
    const period = parsePeriod(request.periodId);
    const districts = context.units
      .treeFor(period)
      .filter((unit) => unit.level === 'district' && (!units || units.has(unit.officeCode)));
    if (!districts.length) return;
    const reports = new Map<string, ProvincialReport>();
    for await (const report of this.deps.provincial.reports({ periodId: request.periodId }))
      reports.set(report.officeCode, report);
    const kept: KeepItem[] = [];
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
        const gate = await this.summaryReady(district.officeCode, form, period, context);
        kept.push({ report, form, level: district.level, gate });
      }
    }
    await this.keepAll(kept, request, result, progress);
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

  /**
   * Keeps a batch of forms, KEEP_CONCURRENCY at a time (the forms of one transfer in turn, in the
   * order given), tallies them in the batch's order and tells `progress` their transfers. Every
   * keep is waited for before the first failure is thrown.
   */
  private async keepAll(
    items: KeepItem[],
    request: SyncRequest,
    result: SyncResult,
    progress: SyncProgress,
  ): Promise<void> {
    const outcomes: Array<{ id: string; change: 'created' | 'version' | 'unchanged' }> = [];
    const byTransfer = new Map<string, number[]>();
    items.forEach((item, index) => {
      const key = `${item.report.periodId}\u0000${item.report.officeCode}\u0000${item.form.formCode}`;
      const indexes = byTransfer.get(key);
      if (indexes) indexes.push(index);
      else byTransfer.set(key, [index]);
    });
    const groups = [...byTransfer.values()];
    let next = 0;
    const failures: unknown[] = [];
    await Promise.all(
      Array.from({ length: Math.min(KEEP_CONCURRENCY, groups.length) }, async () => {
        while (next < groups.length && !failures.length) {
          for (const index of groups[next++]) {
            try {
              outcomes[index] = await this.keep(items[index], request);
            } catch (error) {
              failures.push(error);
              return;
            }
          }
        }
      }),
    );
    if (failures.length) throw failures[0];
    outcomes.forEach((outcome, index) => tally(result, outcome, items[index].form));
    if (outcomes.length) await progress.planned?.(outcomes.map((outcome) => outcome.id));
  }

  /**
   * Creates the transfer, adds a version when the content changed, or leaves it as it is: one
   * statement (TransferTransitions.version). A waiting summary whose content is unchanged goes
   * once its children are confirmed or its deadline came (a guarded release).
   */
  private async keep(
    { report, form, level, gate = { ready: true, why: '' } }: KeepItem,
    request: SyncRequest,
  ): Promise<{ id: string; change: 'created' | 'version' | 'unchanged' }> {
    const identity = {
      periodId: report.periodId,
      unitCode: report.officeCode,
      formCode: form.formCode,
    };
    const waits = form.valid && !gate.ready;
    const { found, written } = await this.deps.transitions.version(
      {
        id: randomUUID(),
        ...identity,
        level,
        regimeCode: form.regimeCode,
        contentKey: form.contentKey,
        mappingVersion: form.mappingVersion,
        payload: withReference(form.packet, form.contentKey) as unknown as Record<string, unknown>,
        problems: form.problems,
        provisional: form.provisional,
        sourceReportId: report.reportId,
        sourceUpdatedAt: new Date(report.updatedAt),
        valid: form.valid,
      },
      !form.valid ? 'invalid' : waits ? 'planned' : 'mapped',
      this.now(),
      // transferId, details.version and details.correction are the statement's to fill in.
      this.deps.auditRow({
        actor: request.actor,
        action: !form.valid ? 'transfer.invalid' : waits ? 'transfer.planned' : 'transfer.mapped',
        outcome: !form.valid ? 'invalid' : waits ? 'waiting' : 'ok',
        ...identity,
        transferId: null,
        reason: waits ? gate.why : (request.reason ?? null),
        details: {
          version: 0,
          contentKey: form.contentKey,
          correction: false,
          reportId: report.reportId,
          problems: form.valid ? undefined : form.problems,
        },
      }),
    );
    if (written) return { id: written.id, change: found ? 'version' : 'created' };
    const transfer = found!;
    if (transfer.state === 'planned' && gate.ready && form.valid)
      await this.deps.dataSource.transaction(async (manager) => {
        if (!(await this.deps.transitions.release(manager, transfer.id, this.now()))) return;
        await this.deps.record(
          {
            actor: request.actor,
            action: 'transfer.mapped',
            outcome: 'ok',
            ...identity,
            transferId: transfer.id,
            reason: gate.why,
            details: { version: transfer.version, released: true },
          },
          manager,
        );
      });
    return { id: transfer.id, change: 'unchanged' };
  }
}

/** One form of one report to keep, its unit's level and, for a summary, whether it may go. */
interface KeepItem {
  report: ProvincialReport;
  form: MappedForm;
  level: string;
  gate?: { ready: boolean; why: string };
}

/**
 * Forms kept per batch, and keeps in flight for them. A keep is one statement, but one at a time
 * leaves the replica and PostgreSQL waiting on each other; four leave most of the default pool
 * (10 connections) to the pushes running beside the plan.
 */
const KEEP_BATCH = 200;
const KEEP_CONCURRENCY = 4;

function withReference(packet: SubmissionPacket, contentKey: string): SubmissionPacket {
  return {
    ...packet,
    header: { ...packet.header, clientReference: contentKey },
  };
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
