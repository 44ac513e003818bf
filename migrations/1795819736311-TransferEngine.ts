import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TransferEngine1795819736311 implements MigrationInterface {
  name = 'TransferEngine1795819736311';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "extraction_cursor" ("period_id" text NOT NULL, "unit_code" text NOT NULL, "updated_since" TIMESTAMP WITH TIME ZONE NOT NULL, "advanced_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_079cd0a4cff1ea70127fea8e885" PRIMARY KEY ("period_id", "unit_code"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "transfer_attempt" ("id" uuid NOT NULL, "transfer_id" uuid NOT NULL, "version" integer NOT NULL, "step" text NOT NULL, "account" text, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE NOT NULL, "outcome" text NOT NULL, "http_status" integer, "request" jsonb, "response" jsonb, "request_sha256" text, "response_sha256" text, "error" text, "retryable" boolean, CONSTRAINT "PK_262ca1d119a43a9105c512d56b7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "transfer_attempt_transfer" ON "transfer_attempt"  ("transfer_id", "started_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "transfer_version" ("transfer_id" uuid NOT NULL, "version" integer NOT NULL, "content_key" text NOT NULL, "payload" jsonb NOT NULL, "valid" boolean NOT NULL, "source_report_id" text, "source_updated_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b1a4b33d00817d78f3463f03f5d" PRIMARY KEY ("transfer_id", "version"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "transfer" ("id" uuid NOT NULL, "period_id" text NOT NULL, "unit_code" text NOT NULL, "form_code" text NOT NULL, "level" text NOT NULL, "regime_code" text, "state" text NOT NULL, "version" integer NOT NULL DEFAULT '1', "content_key" text, "mapping_version" text, "payload" jsonb, "problems" jsonb NOT NULL DEFAULT '[]', "provisional" boolean NOT NULL DEFAULT false, "source_report_id" text, "source_updated_at" TIMESTAMP WITH TIME ZONE, "submission_id" text, "national_status" text, "step" text, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE, "last_error" jsonb, "leased_until" TIMESTAMP WITH TIME ZONE, "leased_by" text, "confirmed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_fd9ddbdd49a17afcbe014401295" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "transfer_state" ON "transfer"  ("state", "next_attempt_at") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "transfer_identity" ON "transfer"  ("period_id", "unit_code", "form_code") `,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."transfer_identity"`);
    await queryRunner.query(`DROP INDEX "public"."transfer_state"`);
    await queryRunner.query(`DROP TABLE "transfer"`);
    await queryRunner.query(`DROP TABLE "transfer_version"`);
    await queryRunner.query(`DROP INDEX "public"."transfer_attempt_transfer"`);
    await queryRunner.query(`DROP TABLE "transfer_attempt"`);
    await queryRunner.query(`DROP TABLE "extraction_cursor"`);
  }
}
