import type { MigrationInterface, QueryRunner } from 'typeorm';
import { canonicalJson } from '../src/common/canonical-json';

// Written by hand. An event's bodies and details are kept as the very canonical JSON text its
// hash covers (text, not jsonb): the verifier hashes what is stored instead of parsing jsonb and
// writing it out again, and one changed byte of the text is one changed hash. Rows chained
// before this migration are rewritten once from jsonb to that text (the same content, in the
// form their hashes already cover), with the append-only trigger held off for the rewrite only.
export class AuditCanonicalText1795830000000 implements MigrationInterface {
  name = 'AuditCanonicalText1795830000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "audit_event" ALTER COLUMN "bodies" TYPE text USING "bodies"::text, ALTER COLUMN "details" TYPE text USING "details"::text',
    );
    await this.rewriteCanonical(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "audit_event" ALTER COLUMN "bodies" TYPE jsonb USING "bodies"::jsonb, ALTER COLUMN "details" TYPE jsonb USING "details"::jsonb',
    );
  }

  /** Each row's bodies and details as the canonical text of what they hold. */
  private async rewriteCanonical(queryRunner: QueryRunner): Promise<void> {
    const canonical = (text: string | null) =>
      text === null ? null : canonicalJson(JSON.parse(text));
    await queryRunner.query(
      'ALTER TABLE "audit_event" DISABLE TRIGGER audit_event_no_update_delete',
    );
    let after = '0';
    for (;;) {
      const rows = (await queryRunner.query(
        'SELECT seq::text AS seq, bodies, details FROM "audit_event" WHERE seq > $1 ORDER BY seq LIMIT 5000',
        [after],
      )) as Array<{ seq: string; bodies: string | null; details: string | null }>;
      if (!rows.length) break;
      await queryRunner.query(
        `UPDATE "audit_event" e SET bodies = x.b, details = x.d
           FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(s, b, d) WHERE e.seq = x.s`,
        [
          rows.map((row) => row.seq),
          rows.map((row) => canonical(row.bodies)),
          rows.map((row) => canonical(row.details)),
        ],
      );
      after = rows[rows.length - 1].seq;
    }
    await queryRunner.query(
      'ALTER TABLE "audit_event" ENABLE TRIGGER audit_event_no_update_delete',
    );
  }
}
