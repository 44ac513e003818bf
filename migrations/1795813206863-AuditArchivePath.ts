import type { MigrationInterface, QueryRunner } from 'typeorm';

// Written by hand. The audit tables stay append-only, with one exception: events may be deleted
// by the retention path, inside the transaction that recorded the archive (its id in the
// setting baocao.audit_archive_id) and only within that archive's range. audit_archive itself is
// append-only.
export class AuditArchivePath1795813206863 implements MigrationInterface {
  name = 'AuditArchivePath1795813206863';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  archive_id text := current_setting('baocao.audit_archive_id', true);
BEGIN
  -- Nested: OLD.seq exists only on audit_event, and plpgsql resolves a whole condition at once.
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_event' AND coalesce(archive_id, '') <> '' THEN
    IF EXISTS (SELECT 1 FROM audit_archive a WHERE a.id::text = archive_id AND OLD.seq BETWEEN a.from_seq AND a.to_seq) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$`);
    await queryRunner.query(
      'CREATE TRIGGER audit_archive_no_update_delete BEFORE UPDATE OR DELETE ON "audit_archive" FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()',
    );
    await queryRunner.query(
      'CREATE TRIGGER audit_archive_no_truncate BEFORE TRUNCATE ON "audit_archive" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER audit_archive_no_truncate ON "audit_archive"');
    await queryRunner.query('DROP TRIGGER audit_archive_no_update_delete ON "audit_archive"');
    await queryRunner.query(`CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$`);
  }
}
