import type { DataSource } from 'typeorm';
import type { UnitScope } from '../access/roles.decorator';
import type { Deadlines } from '../catalog/deadlines';
import type { FormCatalogue } from '../catalog/forms';
import { parsePeriod, periodContaining, previousPeriod, type Period } from '../catalog/periods';

/** Where a unit's form stands for the period, one word each (see BOARD_WORDS). */
export type BoardCategory =
  | 'on-time'
  | 'late'
  | 'in-progress'
  | 'invalid'
  | 'failed'
  | 'not-approved'
  | 'skipped'
  | 'no-report';

/** How close the deadline is for a form not yet confirmed. */
export type Urgency = 'overdue' | 'at-risk' | null;

export const BOARD_WORDS: Record<BoardCategory, string> = {
  'on-time': 'Đã xác nhận đúng hạn',
  late: 'Đã xác nhận, trễ hạn',
  'in-progress': 'Đang xử lý',
  invalid: 'Không hợp lệ',
  failed: 'Gửi thất bại',
  'not-approved': 'Chưa duyệt trên hệ thống tỉnh',
  skipped: 'Bỏ qua',
  'no-report': 'Chưa có báo cáo',
};

export const URGENCY_WORDS: Record<Exclude<Urgency, null>, string> = {
  overdue: 'Trễ hạn',
  'at-risk': 'Sắp trễ hạn',
};

/** A group of the board: a district (with its units), the departments, or the communes. */
export interface BoardGroup {
  key: string;
  name: string;
  counts: Record<BoardCategory, number> & {
    total: number;
    atRisk: number;
    overdue: number;
  };
  /** A district's summaries (II.06, II.05): their state and the children they wait for. */
  summary?: { states: string[]; waitingFor: number; waitingUnits: string[] };
}

export interface BoardCell {
  unitCode: string;
  unitName: string;
  level: string;
  formCode: string;
  deadline: string;
  category: BoardCategory;
  urgency: Urgency;
  transferId: string | null;
  state: string | null;
  confirmedAt: Date | null;
  /** Why: the skip reason, the problem count, the last error. */
  detail: string | null;
  approvedAt: Date | null;
}

/** Runs one statement: on the pool, or inside a snapshot's transaction. */
type Query = <T>(sql: string, parameters?: unknown[]) => Promise<T>;

/** A row of the cells CTE (cellsSql), as PostgreSQL answers it. */
interface CellRow {
  group_key: string;
  office_code: string;
  name: string;
  level: string;
  form_code: string;
  deadline_date: string;
  category: BoardCategory;
  urgency: Urgency;
  transfer_id: string | null;
  state: string | null;
  confirmed_at: Date | null;
  approved_at: Date | null;
  submission_id: string | null;
  problems: Array<{ field: string; message: string; severity?: string }> | null;
  problem_count: number;
  last_error: string | null;
  intake_reason: string | null;
}

/** Units in a group: the district itself, departments, district agencies, then communes. */
const UNIT_ORDER = `CASE level WHEN 'district' THEN 0 WHEN 'department' THEN 1 WHEN 'district-agency' THEN 2 ELSE 3 END,
                 name, office_code, form_code`;

function cellOf(row: CellRow): BoardCell {
  return {
    unitCode: row.office_code,
    unitName: row.name,
    level: row.level,
    formCode: row.form_code,
    deadline: row.deadline_date,
    category: row.category,
    urgency: row.urgency,
    transferId: row.transfer_id,
    state: row.state,
    confirmedAt: row.confirmed_at,
    approvedAt: row.approved_at,
    detail:
      row.category === 'invalid' && row.problem_count
        ? `${row.problem_count} lỗi`
        : row.category === 'failed'
          ? row.last_error
          : row.intake_reason,
  };
}

/** One line of the compliance workbook: a unit's form for the period, and how it went. */
export interface ComplianceCell extends BoardCell {
  groupKey: string;
  groupName: string;
  submissionId: string | null;
  /** The errors that made it invalid, "field: message" each. */
  problems: string[];
}

export interface Board {
  period: Period;
  groups: BoardGroup[];
  totals: BoardGroup['counts'];
  /** Reports the planner skipped for units not in force for the period (abolished, unknown). */
  skippedOutside: Array<{ unitCode: string; reportId: string; reason: string | null }>;
}

const DEPARTMENTS = '~departments';
const COMMUNES = '~communes';

/** The period a board opens on: the current quarter, or the last one while its deadlines run. */
export function defaultBoardPeriod(now: Date): Period {
  const current = periodContaining('quarter', now);
  const previous = previousPeriod(current);
  return now.getTime() < previous.endsBefore.getTime() + 10 * 86_400_000 ? previous : current;
}

/**
 * The period board, from three tables: the units the planner last read (provincial_unit), what it
 * made of each report (report_intake) and the transfers. Every unit in force on the period's last
 * day and every form its level files, with its state against the form's deadline.
 */
export class BoardQuery {
  constructor(
    private readonly dataSource: DataSource,
    private readonly forms: FormCatalogue,
    private readonly deadlines: Deadlines,
    private readonly atRiskDays: number,
  ) {}

  private readonly query: Query = (sql, parameters) => this.dataSource.query(sql, parameters);

  /** The forms each level files in a period and the instant each deadline ends. */
  private expected(period: Period) {
    const levels: string[] = [];
    const formCodes: string[] = [];
    const ends: string[] = [];
    const dates: string[] = [];
    for (const form of this.forms.formsFor(period))
      for (const level of form.filedBy) {
        const deadline = this.deadlines.for(form, period, level);
        if (!deadline) continue;
        levels.push(level);
        formCodes.push(form.code);
        dates.push(deadline.date);
        // The deadline day is included: it ends at midnight Vietnam time after it.
        ends.push(
          new Date(Date.parse(`${deadline.date}T00:00:00+07:00`) + 86_400_000).toISOString(),
        );
      }
    return { levels, formCodes, ends, dates };
  }

  private cellsSql(
    scope: UnitScope | undefined,
    parameters: unknown[],
    period: Period,
    groupKey?: string,
  ): string {
    const { levels, formCodes, ends, dates } = this.expected(period);
    const p = (value: unknown) => `$${parameters.push(value)}`;
    const periodId = p(period.id);
    const groupOf = `CASE WHEN u.level = 'district' THEN u.office_code
               WHEN parent.level = 'district' THEN parent.office_code
               WHEN u.level = 'department' THEN '${DEPARTMENTS}'
               ELSE '${COMMUNES}' END`;
    // One group's units are chosen before their transfers are looked up.
    const groupCondition = groupKey === undefined ? '' : ` AND ${groupOf} = ${p(groupKey)}`;
    const scopeCondition = !scope
      ? ''
      : scope.kind === 'unit'
        ? ` AND u.office_code = ${p(scope.code)}`
        : ` AND (u.office_code = ${p(scope.code)} OR u.parent_code = ${p(scope.code)})`;
    return `
      WITH expected AS (
        SELECT u.office_code, u.name, u.level, f.form_code, f.deadline_end, f.deadline_date,
          ${groupOf} AS group_key
          FROM provincial_unit u
          LEFT JOIN provincial_unit parent ON parent.office_code = u.parent_code
          JOIN unnest(${p(levels)}::text[], ${p(formCodes)}::text[], ${p(ends)}::timestamptz[], ${p(dates)}::text[])
            AS f(level, form_code, deadline_end, deadline_date) ON f.level = u.level
         WHERE u.valid_from <= ${p(period.to)}::date
           AND (u.valid_to IS NULL OR u.valid_to >= ${p(period.to)}::date)${scopeCondition}${groupCondition}
      ), intake AS (
        SELECT DISTINCT ON (unit_code) unit_code, report_status, outcome, reason, approved_at,
               problems
          FROM report_intake WHERE period_id = ${periodId}
         ORDER BY unit_code, (outcome = 'planned') DESC, seen_at DESC
      ), cells AS (
        SELECT e.*, t.id AS transfer_id, t.state, t.confirmed_at, i.approved_at,
               t.submission_id, COALESCE(t.problems, i.problems) AS problems,
               COALESCE(jsonb_array_length(t.problems), 0) AS problem_count,
               t.last_error ->> 'message' AS last_error, i.reason AS intake_reason,
          CASE WHEN t.state = 'confirmed'
                 THEN CASE WHEN t.confirmed_at < e.deadline_end THEN 'on-time' ELSE 'late' END
               WHEN t.state = 'invalid' THEN 'invalid'
               WHEN t.state = 'failed' THEN 'failed'
               WHEN t.id IS NOT NULL THEN 'in-progress'
               WHEN i.outcome = 'skipped' AND i.report_status <> 'approved' THEN 'not-approved'
               WHEN i.outcome = 'invalid' THEN 'invalid'
               WHEN i.outcome = 'skipped' THEN 'skipped'
               ELSE 'no-report' END AS category,
          CASE WHEN t.state = 'confirmed' THEN NULL
               WHEN ${p(new Date())}::timestamptz >= e.deadline_end THEN 'overdue'
               WHEN ${p(new Date(Date.now() + this.atRiskDays * 86_400_000))}::timestamptz >= e.deadline_end
                 THEN 'at-risk' END AS urgency
          FROM expected e
          LEFT JOIN transfer t
            ON t.period_id = ${periodId} AND t.unit_code = e.office_code AND t.form_code = e.form_code
          LEFT JOIN intake i ON i.unit_code = e.office_code
      )`;
  }

  /** Counts per group, the district summaries, and the reports skipped outside the tree. */
  async board(periodId: string, scope?: UnitScope, query: Query = this.query): Promise<Board> {
    const period = parsePeriod(periodId);
    const parameters: unknown[] = [];
    const cells = this.cellsSql(scope, parameters, period);
    const rows = await query<
      Array<{ group_key: string; category: BoardCategory; urgency: Urgency; count: number }>
    >(
      `${cells}
       SELECT group_key, category, urgency, count(*)::int AS count
         FROM cells GROUP BY group_key, category, urgency`,
      parameters,
    );
    const summaryParameters: unknown[] = [];
    const summaryCells = this.cellsSql(scope, summaryParameters, period);
    const summaryForms = this.forms
      .formsFor(period)
      .filter((form) => form.kind === 'grid' && form.summaryOf);
    const unitForms = summaryForms.map((form) => (form.kind === 'grid' ? form.summaryOf! : ''));
    const summaries = summaryForms.length
      ? await query<
          Array<{ group_key: string; states: string[]; waiting: number; waiting_units: string[] }>
        >(
          `${summaryCells}
           SELECT group_key,
                  array_agg(DISTINCT COALESCE(state, category)) FILTER (WHERE form_code = ANY($${summaryParameters.push(summaryForms.map((form) => form.code))})) AS states,
                  count(DISTINCT office_code) FILTER (WHERE form_code = ANY($${summaryParameters.push(unitForms)}) AND category NOT IN ('on-time', 'late'))::int AS waiting,
                  (array_agg(DISTINCT name) FILTER (WHERE form_code = ANY($${summaryParameters.length}) AND category NOT IN ('on-time', 'late')))[1:8] AS waiting_units
             FROM cells WHERE group_key NOT LIKE '~%' GROUP BY group_key`,
          summaryParameters,
        )
      : [];
    const names = await this.groupNames(
      rows.map((row) => row.group_key),
      query,
    );
    const groups = new Map<string, BoardGroup>();
    const totals = emptyCounts();
    for (const row of rows) {
      let group = groups.get(row.group_key);
      if (!group) {
        group = {
          key: row.group_key,
          name: names.get(row.group_key) ?? row.group_key,
          counts: emptyCounts(),
        };
        groups.set(row.group_key, group);
      }
      for (const counts of [group.counts, totals]) {
        counts[row.category] += row.count;
        counts.total += row.count;
        if (row.urgency === 'at-risk') counts.atRisk += row.count;
        if (row.urgency === 'overdue') counts.overdue += row.count;
      }
    }
    for (const summary of summaries) {
      const group = groups.get(summary.group_key);
      if (group)
        group.summary = {
          states: summary.states ?? [],
          waitingFor: summary.waiting,
          waitingUnits: summary.waiting_units ?? [],
        };
    }
    const skippedOutside = await this.skippedOutside(period, scope, query);
    return {
      period,
      groups: [...groups.values()].sort(
        (a, b) => groupRank(a.key) - groupRank(b.key) || a.name.localeCompare(b.name, 'vi'),
      ),
      totals,
      skippedOutside,
    };
  }

  /** Every unit and form of one group (a district, the departments, the communes), a page. */
  async cells(
    periodId: string,
    groupKey: string,
    scope: UnitScope | undefined,
    filter: { category?: BoardCategory; urgency?: Exclude<Urgency, null> } = {},
    limit = 600,
  ): Promise<BoardCell[]> {
    const period = parsePeriod(periodId);
    const parameters: unknown[] = [];
    const cells = this.cellsSql(scope, parameters, period, groupKey);
    const conditions = ['TRUE'];
    if (filter.category) conditions.push(`category = $${parameters.push(filter.category)}`);
    if (filter.urgency) conditions.push(`urgency = $${parameters.push(filter.urgency)}`);
    const rows = await this.dataSource.query<CellRow[]>(
      `${cells}
       SELECT * FROM cells WHERE ${conditions.join(' AND ')}
        ORDER BY ${UNIT_ORDER}
        LIMIT $${parameters.push(limit)}`,
      parameters,
    );
    return rows.map(cellOf);
  }

  /**
   * The period's board and every unit and form of it (in scope), group by group (departments,
   * districts by name, communes), from one snapshot (a REPEATABLE READ transaction), so the counts
   * and the lines agree. The lines come through a cursor `batch` rows at a time: the compliance
   * workbook of a nation-sized period is written without holding it.
   */
  async compliance<T>(
    periodId: string,
    scope: UnitScope | undefined,
    write: (board: Board, cells: AsyncIterable<ComplianceCell[]>) => Promise<T>,
    batch = 2000,
  ): Promise<T> {
    const period = parsePeriod(periodId);
    const parameters: unknown[] = [];
    const cells = this.cellsSql(scope, parameters, period);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction('REPEATABLE READ');
      const query: Query = async (sql, values) => (await runner.query(sql, values)) as never;
      const board = await this.board(periodId, scope, query);
      await query(
        `DECLARE compliance_cells NO SCROLL CURSOR FOR
         ${cells}
         SELECT * FROM (
           SELECT c.*, g.name AS group_name FROM cells c
             LEFT JOIN provincial_unit g ON g.office_code = c.group_key) named
          ORDER BY CASE group_key WHEN '${DEPARTMENTS}' THEN 0 WHEN '${COMMUNES}' THEN 2 ELSE 1 END,
                   group_name, group_key, ${UNIT_ORDER}`,
        parameters,
      );
      const names = await this.groupNames([], query);
      const lines = async function* (): AsyncGenerator<ComplianceCell[]> {
        for (;;) {
          const rows = await query<Array<CellRow & { group_name: string | null }>>(
            `FETCH ${Math.max(1, Math.floor(batch))} FROM compliance_cells`,
          );
          if (!rows.length) return;
          yield rows.map((row) => ({
            ...cellOf(row),
            groupKey: row.group_key,
            groupName: row.group_name ?? names.get(row.group_key) ?? row.group_key,
            submissionId: row.submission_id,
            problems: (row.problems ?? [])
              .filter((problem) => problem.severity !== 'warning')
              .map((problem) => `${problem.field}: ${problem.message}`),
          }));
        }
      };
      const written = await write(board, lines());
      await runner.commitTransaction();
      return written;
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
  }

  /** A group's name: a district's, or the departments', or the communes'. */
  async groupName(key: string): Promise<string | undefined> {
    return (await this.groupNames([key])).get(key);
  }

  private async groupNames(
    keys: string[],
    query: Query = this.query,
  ): Promise<Map<string, string>> {
    const names = new Map<string, string>([
      [DEPARTMENTS, 'Sở, ban, ngành'],
      [COMMUNES, 'Cấp xã trực thuộc tỉnh'],
    ]);
    const districts = keys.filter((key) => !key.startsWith('~'));
    if (districts.length) {
      const rows = await query<Array<{ office_code: string; name: string }>>(
        'SELECT office_code, name FROM provincial_unit WHERE office_code = ANY($1)',
        [districts],
      );
      for (const row of rows) names.set(row.office_code, row.name);
    }
    return names;
  }

  private async skippedOutside(
    period: Period,
    scope: UnitScope | undefined,
    query: Query = this.query,
  ) {
    const parameters: unknown[] = [period.id, period.to];
    const scopeCondition = !scope
      ? ''
      : scope.kind === 'unit'
        ? ` AND i.unit_code = $${parameters.push(scope.code)}`
        : ` AND (u.office_code = $${parameters.push(scope.code)} OR u.parent_code = $${parameters.length})`;
    const rows = await query<
      Array<{ unit_code: string; report_id: string; reason: string | null }>
    >(
      `SELECT i.unit_code, i.report_id, i.reason FROM report_intake i
         LEFT JOIN provincial_unit u ON u.office_code = i.unit_code
        WHERE i.period_id = $1 AND i.outcome <> 'planned'
          AND (u.office_code IS NULL OR u.valid_from > $2::date OR (u.valid_to IS NOT NULL AND u.valid_to < $2::date))${scopeCondition}
        ORDER BY i.unit_code LIMIT 200`,
      parameters,
    );
    return rows.map((row) => ({
      unitCode: row.unit_code,
      reportId: row.report_id,
      reason: row.reason,
    }));
  }
}

function emptyCounts(): BoardGroup['counts'] {
  return {
    'on-time': 0,
    late: 0,
    'in-progress': 0,
    invalid: 0,
    failed: 0,
    'not-approved': 0,
    skipped: 0,
    'no-report': 0,
    total: 0,
    atRisk: 0,
    overdue: 0,
  };
}

function groupRank(key: string): number {
  return key === DEPARTMENTS ? 0 : key === COMMUNES ? 2 : 1;
}
