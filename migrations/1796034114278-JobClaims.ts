import type { MigrationInterface, QueryRunner } from 'typeorm';

export class JobClaims1796034114278 implements MigrationInterface {
  name = 'JobClaims1796034114278';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "job_claim" ("job_id" uuid NOT NULL, "queue" text NOT NULL, "node_id" uuid NOT NULL, "claimed_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_7aca23b8febe542af2051de0a62" PRIMARY KEY ("job_id"))`);
    await queryRunner.query(`CREATE INDEX "job_claim_node" ON "job_claim"  ("node_id") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."job_claim_node"`);
    await queryRunner.query(`DROP TABLE "job_claim"`);
  }
}
