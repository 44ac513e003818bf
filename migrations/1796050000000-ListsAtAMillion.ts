import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Written by hand. The indexes that keep the operator's transfer list, a transfer's page and the
 * audit query fast at a million transfers and ten million events (docs/performance.md names the
 * plan each one gives). The transfer list is in (period, unit, form) order, so each filter gets
 * an index that starts with the filtered column and then gives that order; the audit query by
 * unit (and period) gets its events in seq order from the index instead of sorting them.
 *
 * Built in the migration's transaction (not CONCURRENTLY: replicas starting together wait for
 * the migration lock inside a statement, which a concurrent build would wait for in turn), so
 * writes to these tables wait while they are built; docs/performance.md gives how long that was.
 */
const INDEXES: Array<[name: string, table: string, columns: string]> = [
  ['transfer_state_order', 'transfer', '"state", "period_id", "unit_code", "form_code"'],
  ['transfer_unit_order', 'transfer', '"unit_code", "period_id", "form_code"'],
  ['transfer_form_order', 'transfer', '"form_code", "period_id", "unit_code"'],
  ['transfer_level_order', 'transfer', '"level", "period_id", "unit_code", "form_code"'],
  ['discrepancy_transfer', 'discrepancy', '"transfer_id"'],
  ['audit_event_unit_seq', 'audit_event', '"unit_code", "seq"'],
  ['audit_event_unit_period_seq', 'audit_event', '"unit_code", "period_id", "seq"'],
];

export class ListsAtAMillion1796050000000 implements MigrationInterface {
  name = 'ListsAtAMillion1796050000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [name, table, columns] of INDEXES)
      await queryRunner.query(`CREATE INDEX "${name}" ON "${table}" (${columns})`);
    // The unit-and-period index with seq answers everything the old one did.
    await queryRunner.query(`DROP INDEX "public"."audit_event_unit_period"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "audit_event_unit_period" ON "audit_event" ("unit_code", "period_id")`,
    );
    for (const [name] of [...INDEXES].reverse())
      await queryRunner.query(`DROP INDEX "public"."${name}"`);
  }
}
