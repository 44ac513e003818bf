import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Discrepancies1795821534404 implements MigrationInterface {
  name = 'Discrepancies1795821534404';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "discrepancy" ("id" uuid NOT NULL, "period_id" text NOT NULL, "unit_code" text NOT NULL, "form_code" text NOT NULL, "transfer_id" uuid, "kind" text NOT NULL, "details" jsonb NOT NULL, "status" text NOT NULL DEFAULT 'open', "detected_at" TIMESTAMP WITH TIME ZONE NOT NULL, "resolved_at" TIMESTAMP WITH TIME ZONE, "resolved_by" text, "resolution" text, CONSTRAINT "PK_f9bcdcffd5ef71dbab9e08f1df1" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "discrepancy_open" ON "discrepancy"  ("period_id", "unit_code", "form_code", "kind") WHERE status = 'open'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."discrepancy_open"`);
    await queryRunner.query(`DROP TABLE "discrepancy"`);
  }
}
