import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TransferAttemptNode1795820876515 implements MigrationInterface {
  name = 'TransferAttemptNode1795820876515';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "transfer_attempt" ADD "node" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "transfer_attempt" DROP COLUMN "node"`);
  }
}
