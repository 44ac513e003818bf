import request from 'supertest';
import { DataSource } from 'typeorm';
import { MetricsService } from '../src/operations/metrics.service';
import { AuditLog } from '../src/audit/audit-log';
import { AuditSigner } from '../src/audit/audit-signer';
import { dataSourceOptions } from '../src/database/data-source-options';
import { CredentialVault } from '../src/vault/credential-vault';
import { VaultKey } from '../src/vault/vault-key';
import { freshDatabaseUrl } from './support/database';
import { startTestGateway } from './support/gateway';

// A file of its own: Nest's loggers write to the application started last in a test file, and
// this test reads the log lines of its own gateway.
describe('a vault key that does not open the stored secrets', () => {
  it('is said once at start with both keys, and the replica is not ready', async () => {
    const databaseUrl = await freshDatabaseUrl({ fromTemplate: true });
    const sealing = VaultKey.generate();
    const dataSource = await new DataSource(dataSourceOptions(databaseUrl, 2)).initialize();
    const audit = new AuditLog(dataSource, AuditSigner.generate(), { checkpointEvery: 1000 });
    await new CredentialVault(dataSource, sealing, (event, manager) =>
      audit.record(event, manager),
    ).add(
      {
        system: 'national',
        kind: 'client-secret',
        account: 'QNG-X-001.nhap',
        unitCode: 'QNG-X-001',
        rights: ['nhap'],
        secret: 's',
      },
      'test',
    );
    await dataSource.destroy();
    const configured = VaultKey.generate();
    const gateway = await startTestGateway({
      env: { VAULT_KEY: configured.toText(), METRICS_PORT: '0' },
      databaseUrl,
    });
    try {
      const response = await request(gateway.url).get('/health/ready').expect(503);
      expect(response.body.error.faults).toMatchObject({
        status: 'down',
        standing: [{ code: 'VAULT_KEY_MISMATCH', pauses: 'pushes' }],
      });
      const errors = () =>
        gateway.logLines.filter(
          (line) => line.includes('"level":50') && line.includes('VAULT_KEY_MISMATCH'),
        );
      for (let tries = 0; tries < 40 && !errors().length; tries++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(errors()).toHaveLength(1);
      expect(errors()[0]).toContain(sealing.id);
      expect(errors()[0]).toContain(configured.id);
      expect(gateway.logLines.some((line) => line.includes('paused on this replica'))).toBe(true);
      // Still one a moment later: nothing retries it into a flood.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(errors()).toHaveLength(1);
      expect(
        gateway.logLines.filter((line) => line.includes('sealed with vault key')),
      ).toHaveLength(0);
      // And on /metrics, for the alert BaocaoStandingFault.
      const metrics = await (
        await fetch(`http://127.0.0.1:${gateway.app.get(MetricsService).port}/metrics`)
      ).text();
      expect(metrics).toContain(
        'baocao_standing_faults{code="VAULT_KEY_MISMATCH",pauses="pushes"} 1',
      );
    } finally {
      await gateway.close();
    }
  });
});
