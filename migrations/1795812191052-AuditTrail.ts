import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditTrail1795812191052 implements MigrationInterface {
  name = 'AuditTrail1795812191052';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_checkpoint" ("seq" bigint NOT NULL, "hash" text NOT NULL, "signed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "key_id" text NOT NULL, "public_key" text NOT NULL, "signature" text NOT NULL, CONSTRAINT "PK_bbe7947942cf3aa13ede7d7b301" PRIMARY KEY ("seq"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_event" ("seq" bigint NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "chained_at" TIMESTAMP WITH TIME ZONE NOT NULL, "actor" text NOT NULL, "action" text NOT NULL, "unit_code" text, "form_code" text, "period_id" text, "transfer_id" uuid, "outcome" text NOT NULL, "request_sha256" text, "response_sha256" text, "bodies" jsonb, "reason" text, "details" jsonb, "prev_hash" text NOT NULL, "hash" text NOT NULL, CONSTRAINT "PK_53300da00860bdf4dc3ef7daae6" PRIMARY KEY ("seq"))`,
    );
    await queryRunner.query(`CREATE INDEX "audit_event_actor" ON "audit_event"  ("actor") `);
    await queryRunner.query(
      `CREATE INDEX "audit_event_transfer" ON "audit_event"  ("transfer_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_event_unit_period" ON "audit_event"  ("unit_code", "period_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_event_occurred_at" ON "audit_event"  ("occurred_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_pending" ("id" BIGSERIAL NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "event" jsonb NOT NULL, CONSTRAINT "PK_75e10a15f610386e81e7f88cc29" PRIMARY KEY ("id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_pending"`);
    await queryRunner.query(`DROP INDEX "public"."audit_event_occurred_at"`);
    await queryRunner.query(`DROP INDEX "public"."audit_event_unit_period"`);
    await queryRunner.query(`DROP INDEX "public"."audit_event_transfer"`);
    await queryRunner.query(`DROP INDEX "public"."audit_event_actor"`);
    await queryRunner.query(`DROP TABLE "audit_event"`);
    await queryRunner.query(`DROP TABLE "audit_checkpoint"`);
  }
}
