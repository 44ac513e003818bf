import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1795808114298 implements MigrationInterface {
  name = 'Foundation1795808114298';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "gateway_node" ("id" uuid NOT NULL, "hostname" text NOT NULL, "pid" integer NOT NULL, "version" text NOT NULL, "mode" text NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "stopped_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_1e681ffdac9393fc35fbc09d64d" PRIMARY KEY ("id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "gateway_node"`);
  }
}
