import type { MigrationInterface, QueryRunner } from 'typeorm';
import { canonicalContent } from '../src/audit/audit-chain';
import { contentOf, type EventRow } from '../src/audit/audit-verifier';

// Written by hand: each event keeps the exact canonical text its hash covers, so the database
// itself can recompute the chain. Events chained before this migration get theirs computed from
// their columns (the same function the writer used), with the update trigger off for that alone.
export class AuditContent1795814837133 implements MigrationInterface {
  name = 'AuditContent1795814837133';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "audit_event" ADD "content" text');
    await queryRunner.query(
      'ALTER TABLE "audit_event" DISABLE TRIGGER audit_event_no_update_delete',
    );
    for (let after = '0'; ;) {
      const rows = (await queryRunner.query(
        `SELECT seq, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, actor, action, unit_code, form_code,
           period_id, transfer_id, outcome, request_sha256, response_sha256, bodies, reason, details, prev_hash, hash
         FROM audit_event WHERE seq > $1 AND content IS NULL ORDER BY seq LIMIT 5000`,
        [after],
      )) as EventRow[];
      if (rows.length === 0) break;
      await queryRunner.query(
        'UPDATE audit_event e SET content = x.content FROM unnest($1::bigint[], $2::text[]) AS x(seq, content) WHERE e.seq = x.seq',
        [rows.map((row) => row.seq), rows.map((row) => canonicalContent(contentOf(row)))],
      );
      after = rows[rows.length - 1].seq;
    }
    await queryRunner.query(
      'ALTER TABLE "audit_event" ENABLE TRIGGER audit_event_no_update_delete',
    );
    await queryRunner.query('ALTER TABLE "audit_event" ALTER COLUMN "content" SET NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "audit_event" DROP COLUMN "content"');
  }
}
