import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ConsoleAndBoard1796029103507 implements MigrationInterface {
  name = 'ConsoleAndBoard1796029103507';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "console_session" ("id" text NOT NULL, "subject" text NOT NULL, "name" text, "roles" jsonb NOT NULL, "scope_kind" text, "scope_code" text, "csrf_token" text NOT NULL, "key_id" text NOT NULL, "nonce" bytea NOT NULL, "ciphertext" bytea NOT NULL, "tag" bytea NOT NULL, "sso_check_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_de017bbd4b96ce481ef2729ad1a" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "console_session_expiry" ON "console_session"  ("expires_at") `);
    await queryRunner.query(`CREATE TABLE "console_sign_in" ("state" text NOT NULL, "return_to" text NOT NULL, "key_id" text NOT NULL, "nonce" bytea NOT NULL, "ciphertext" bytea NOT NULL, "tag" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_f8b4ae11e00f76add5362478a29" PRIMARY KEY ("state"))`);
    await queryRunner.query(`CREATE TABLE "provincial_unit" ("office_code" text NOT NULL, "name" text NOT NULL, "level" text NOT NULL, "parent_code" text, "valid_from" date NOT NULL, "valid_to" date, "seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_554f06b04278d3804cf34be82a7" PRIMARY KEY ("office_code"))`);
    await queryRunner.query(`CREATE INDEX "provincial_unit_parent" ON "provincial_unit"  ("parent_code") `);
    await queryRunner.query(`CREATE TABLE "report_intake" ("period_id" text NOT NULL, "report_id" text NOT NULL, "unit_code" text NOT NULL, "report_status" text NOT NULL, "approved_at" TIMESTAMP WITH TIME ZONE, "outcome" text NOT NULL, "reason" text, "problems" jsonb NOT NULL DEFAULT '[]', "seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_641d6cb8c70ec8d6b5666b91a6b" PRIMARY KEY ("period_id", "report_id"))`);
    await queryRunner.query(`CREATE INDEX "report_intake_unit" ON "report_intake"  ("unit_code", "period_id") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."report_intake_unit"`);
    await queryRunner.query(`DROP TABLE "report_intake"`);
    await queryRunner.query(`DROP INDEX "public"."provincial_unit_parent"`);
    await queryRunner.query(`DROP TABLE "provincial_unit"`);
    await queryRunner.query(`DROP TABLE "console_sign_in"`);
    await queryRunner.query(`DROP INDEX "public"."console_session_expiry"`);
    await queryRunner.query(`DROP TABLE "console_session"`);
  }
}
