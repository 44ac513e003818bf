import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { FieldError } from '../contracts/national-wire';
import type { UnitRecord } from '../contracts/provincial-wire';

/** What the planner made of one provincial report (report_intake). */
export interface IntakeRow {
  periodId: string;
  reportId: string;
  unitCode: string;
  reportStatus: string;
  approvedAt: string | null;
  outcome: 'planned' | 'skipped' | 'invalid';
  reason: string | null;
  problems: FieldError[];
}

const keptUnits = new WeakMap<DataSource, string>();

/**
 * Keeps the provincial system's unit list (provincial_unit) as the planner read it: one statement,
 * and none at all when the list is the one this process kept last.
 */
export async function keepUnits(
  dataSource: DataSource,
  units: readonly UnitRecord[],
  now: Date,
): Promise<void> {
  const rows = units.map((unit) => ({
    office_code: unit.officeCode,
    name: unit.name,
    level: unit.level,
    parent_code: unit.parentCode,
    valid_from: unit.validFrom,
    valid_to: unit.validTo,
  }));
  const json = JSON.stringify(rows);
  const fingerprint = createHash('sha256').update(json).digest('hex');
  if (keptUnits.get(dataSource) === fingerprint) return;
  await dataSource.query(
    `INSERT INTO provincial_unit (office_code, name, level, parent_code, valid_from, valid_to, seen_at)
     SELECT office_code, name, level, parent_code, valid_from, valid_to, $2
       FROM jsonb_to_recordset($1::jsonb)
         AS unit(office_code text, name text, level text, parent_code text, valid_from date, valid_to date)
     ON CONFLICT (office_code) DO UPDATE SET name = excluded.name, level = excluded.level,
       parent_code = excluded.parent_code, valid_from = excluded.valid_from,
       valid_to = excluded.valid_to, seen_at = excluded.seen_at`,
    [json, now],
  );
  keptUnits.set(dataSource, fingerprint);
}

/** Keeps what the planner made of each report it read, a thousand to a statement. */
export async function keepIntakes(
  dataSource: DataSource,
  intakes: readonly IntakeRow[],
  now: Date,
): Promise<void> {
  for (let start = 0; start < intakes.length; start += 1000) {
    const rows = intakes.slice(start, start + 1000).map((intake) => ({
      period_id: intake.periodId,
      report_id: intake.reportId,
      unit_code: intake.unitCode,
      report_status: intake.reportStatus,
      approved_at: intake.approvedAt,
      outcome: intake.outcome,
      reason: intake.reason,
      problems: intake.problems,
    }));
    await dataSource.query(
      `INSERT INTO report_intake (period_id, report_id, unit_code, report_status, approved_at, outcome, reason, problems, seen_at)
       SELECT period_id, report_id, unit_code, report_status, approved_at, outcome, reason, problems, $2
         FROM jsonb_to_recordset($1::jsonb)
           AS intake(period_id text, report_id text, unit_code text, report_status text,
                     approved_at timestamptz, outcome text, reason text, problems jsonb)
       ON CONFLICT (period_id, report_id) DO UPDATE SET unit_code = excluded.unit_code,
         report_status = excluded.report_status, approved_at = excluded.approved_at,
         outcome = excluded.outcome, reason = excluded.reason, problems = excluded.problems,
         seen_at = excluded.seen_at`,
      [JSON.stringify(rows), now],
    );
  }
}
