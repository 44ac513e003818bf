import type { MigrationInterface, QueryRunner } from 'typeorm';

export class NotificationState1796034771349 implements MigrationInterface {
  name = 'NotificationState1796034771349';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "notification_state" ("cause" text NOT NULL, "state" text NOT NULL, "sent_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_314ad970d8bc74bc5522ce4376b" PRIMARY KEY ("cause"))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "notification_state"`);
  }
}
