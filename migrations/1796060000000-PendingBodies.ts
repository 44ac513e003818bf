import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Written by hand. A pending event's bodies (their canonical text) in a text column of their own,
 * beside the event's other fields in jsonb: a push step's bodies hold the whole packet, and inside
 * the jsonb they were escaped once more by the gateway and parsed by PostgreSQL for nothing (the
 * chain writer reads them back as text). Events pending from before keep theirs in the event, and
 * the chain writer reads either. Adding a nullable column without a default rewrites nothing.
 */
export class PendingBodies1796060000000 implements MigrationInterface {
  name = 'PendingBodies1796060000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "audit_pending" ADD "bodies" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "audit_pending" DROP COLUMN "bodies"`);
  }
}
