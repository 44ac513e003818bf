import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CredentialVault1795818208116 implements MigrationInterface {
  name = 'CredentialVault1795818208116';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "credential" ("id" uuid NOT NULL, "system" text NOT NULL, "account" text NOT NULL, "kind" text NOT NULL, "unit_code" text, "rights" text array NOT NULL DEFAULT '{}', "status" text NOT NULL DEFAULT 'active', "key_id" text NOT NULL, "nonce" bytea NOT NULL, "ciphertext" bytea NOT NULL, "tag" bytea NOT NULL, "version" integer NOT NULL DEFAULT '1', "details" jsonb NOT NULL DEFAULT '{}', "last_checked_at" TIMESTAMP WITH TIME ZONE, "last_check" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_3a5169bcd3d5463cefeec78be82" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "credential_unit" ON "credential"  ("unit_code") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "credential_identity" ON "credential"  ("system", "account", "kind") `,
    );
    await queryRunner.query(
      `CREATE TABLE "sign_in_request" ("state" text NOT NULL, "requested_by" text NOT NULL, "key_id" text NOT NULL, "nonce" bytea NOT NULL, "ciphertext" bytea NOT NULL, "tag" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_1164d5cb4ff8767e0c9327fad5c" PRIMARY KEY ("state"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sign_in_request"`);
    await queryRunner.query(`DROP INDEX "public"."credential_identity"`);
    await queryRunner.query(`DROP INDEX "public"."credential_unit"`);
    await queryRunner.query(`DROP TABLE "credential"`);
  }
}
