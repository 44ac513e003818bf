import type { MigrationInterface, QueryRunner } from 'typeorm';

/** pg-boss 12 keeps the heartbeats of the jobs in hand itself: the gateway's own claims go. */
export class JobHeartbeats1796040000000 implements MigrationInterface {
  name = 'JobHeartbeats1796040000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "job_claim"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "job_claim" ("job_id" uuid NOT NULL, "queue" text NOT NULL, "node_id" uuid NOT NULL, "claimed_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_7aca23b8febe542af2051de0a62" PRIMARY KEY ("job_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "job_claim_node" ON "job_claim"  ("node_id") `);
  }
}
