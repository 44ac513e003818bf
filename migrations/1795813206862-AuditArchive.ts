import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditArchive1795813206862 implements MigrationInterface {
  name = 'AuditArchive1795813206862';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_archive" ("id" uuid NOT NULL, "from_seq" bigint NOT NULL, "to_seq" bigint NOT NULL, "start_prev_hash" text NOT NULL, "end_hash" text NOT NULL, "file_name" text NOT NULL, "file_sha256" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_by" text NOT NULL, CONSTRAINT "PK_8e8378b58b7ee30684e21f1cc43" PRIMARY KEY ("id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_archive"`);
  }
}
