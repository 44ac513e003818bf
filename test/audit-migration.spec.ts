import { DataSource } from 'typeorm';
import { migrations } from '../migrations';
import { eventHash, GENESIS_HASH } from '../src/audit/audit-chain';
import { AuditSigner } from '../src/audit/audit-signer';
import { verifyAuditChain } from '../src/audit/audit-verifier';
import { canonicalJson } from '../src/common/canonical-json';
import { dataSourceOptions } from '../src/database/data-source-options';
import { freshDatabaseUrl } from './support/database';

/**
 * Events chained while bodies and details were jsonb: after the migration to canonical text they
 * hold the text their hashes cover, and the chain still verifies.
 */
describe('audit events kept as jsonb before the canonical-text migration', () => {
  it('are rewritten to canonical text, and the chain verifies across the change', async () => {
    const url = await freshDatabaseUrl({ fromTemplate: false });
    // Migrated up to just before the canonical-text migration; later ones follow it.
    const at = migrations.findIndex((migration) => migration.name.startsWith('AuditCanonicalText'));
    const last = migrations[migrations.length - 1];
    const before = await new DataSource({
      ...dataSourceOptions(url, 2),
      migrations: migrations.slice(0, at),
    }).initialize();
    await before.runMigrations();
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 12; seq++) {
      // Keys out of order and numbers as JSON writes them: jsonb sorts and spaces them its own way.
      const bodies = { response: { z: seq, a: [1.5, 'đã nhận'] }, request: { n: seq } };
      const details = seq % 3 ? { version: 1, account: `acc-${seq}` } : null;
      const content = {
        seq: String(seq),
        occurredAt: new Date(Date.UTC(2026, 10, 1, 0, seq)).toISOString(),
        actor: 'schedule',
        action: 'transfer.submit',
        unitCode: 'QNG-X-001',
        formCode: 'II.06a/VPCP/KSTT',
        periodId: '2026-Q4',
        transferId: null,
        outcome: 'ok',
        requestSha256: null,
        responseSha256: null,
        bodies: canonicalJson(bodies),
        reason: null,
        details: details && canonicalJson(details),
      };
      const hash = eventHash(prev, content);
      await before.query(
        `INSERT INTO audit_event (seq, occurred_at, chained_at, actor, action, unit_code, form_code,
           period_id, transfer_id, outcome, request_sha256, response_sha256, bodies, reason, details,
           prev_hash, hash)
         VALUES ($1, $2, now(), $3, $4, $5, $6, $7, NULL, $8, NULL, NULL, $9::jsonb, NULL, $10::jsonb, $11, $12)`,
        [
          seq,
          content.occurredAt,
          content.actor,
          content.action,
          content.unitCode,
          content.formCode,
          content.periodId,
          content.outcome,
          JSON.stringify(bodies),
          details && JSON.stringify(details),
          prev,
          hash,
        ],
      );
      prev = hash;
    }
    await before.destroy();

    const after = await new DataSource(dataSourceOptions(url, 2)).initialize();
    try {
      await after.runMigrations();
      const [{ kept }] = await after.query<Array<{ kept: string }>>(
        'SELECT bodies AS kept FROM audit_event WHERE seq = 1',
      );
      // jsonb writes {"request": {"n": 1}, …} with spaces: it is now stored as it was hashed.
      expect(kept).toBe('{"request":{"n":1},"response":{"a":[1.5,"đã nhận"],"z":1}}');
      const applied = await after.query<Array<{ name: string }>>(
        'SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1',
      );
      expect(applied[0].name).toBe(last.name);
      const [{ type }] = await after.query<Array<{ type: string }>>(
        "SELECT data_type AS type FROM information_schema.columns WHERE table_name = 'audit_event' AND column_name = 'bodies'",
      );
      expect(type).toBe('text');
      expect(
        await verifyAuditChain(after, { trustedKeys: [AuditSigner.generate().publicKeyPem] }),
      ).toMatchObject({ ok: true, events: 12 });
      await expect(
        after.query('UPDATE audit_event SET reason = $1 WHERE seq = 2', ['x']),
      ).rejects.toThrow(/append-only/);
    } finally {
      await after.destroy();
    }
  });
});
