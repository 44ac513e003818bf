import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service';
import { verifyAuditChain } from '../src/audit/audit-verifier';
import { backupDatabase, restoreDatabase } from '../src/database/backup';
import { dataSourceOptions } from '../src/database/data-source-options';
import { runMigrationsLocked } from '../src/database/migrations';
import { seedDemoVault } from '../src/simulators/demo';
import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { TransfersService } from '../src/transfers/transfers.service';
import { VaultService } from '../src/vault/vault.service';
import { freshDatabaseUrl } from './support/database';
import { startTestGateway, type TestGateway } from './support/gateway';
import { simulatorGatewayEnv } from './support/gateway-env';

const PERIOD = '2025-Q3';
const UNITS = ['QNG-X-010', 'QNG-X-011', 'QNG-SO-XD'];

async function settled(transfers: TransfersService): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const moving = await transfers.stateCounts(['mapped', 'pushing', 'pushed'], undefined);
    if (!Object.values(moving).some(Boolean)) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error('transfers did not settle');
}

/**
 * A backup of a running gateway's database restored into a new database: the audit chain
 * verifies, and a sync started on it pushes nothing twice.
 */
describe('backup and restore', () => {
  let sims: RunningSimulators;
  let scratch: string;
  const gateways: TestGateway[] = [];
  const counters = async () =>
    (await (await fetch(`${sims.nationalReports.origin}/__admin/counters`)).json()) as {
      stored: number;
    };

  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
    });
    scratch = mkdtempSync(path.join(os.tmpdir(), 'baocao-backup-'));
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await sims?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('restored, the audit trail verifies and a sync pushes nothing twice', async () => {
    const env = simulatorGatewayEnv(sims);
    const originalUrl = await freshDatabaseUrl({ fromTemplate: true });
    const original = await startTestGateway({ env, databaseUrl: originalUrl });
    gateways.push(original);
    await seedDemoVault(original.app.get(VaultService).vault, sims);
    const transfers = original.app.get(TransfersService);
    const planned = await transfers.startSync({ periodId: PERIOD, units: UNITS }, 'test');
    await settled(transfers);
    await original.app.get(AuditService).flush();
    const storedBefore = (await counters()).stored;
    expect(storedBefore).toBe(planned.transferIds.length);

    // Taken while the gateway runs.
    const file = path.join(scratch, 'gateway.backup.gz');
    const header = await backupDatabase(originalUrl, file);
    expect(header.tables.find((table) => table.name === 'transfer')?.rows).toBe(
      planned.transferIds.length,
    );
    expect(header.tables.find((table) => table.name === 'audit_event')?.rows).toBeGreaterThan(0);

    const restoredUrl = await freshDatabaseUrl({ fromTemplate: false });
    const target = await new DataSource(dataSourceOptions(restoredUrl, 2)).initialize();
    try {
      await runMigrationsLocked(target);
      await restoreDatabase(target, file);
      const [{ count }] = await target.query<Array<{ count: number }>>(
        "SELECT count(*)::int AS count FROM transfer WHERE state = 'confirmed'",
      );
      expect(count).toBe(planned.transferIds.length);
      const keys = await target.query<Array<{ public_key: string }>>(
        'SELECT DISTINCT public_key FROM audit_checkpoint',
      );
      const verified = await verifyAuditChain(target, {
        trustedKeys: keys.map((row) => row.public_key),
      });
      expect(verified).toMatchObject({ ok: true });
      // A second restore into it is refused: it holds data now.
      await expect(restoreDatabase(target, file)).rejects.toThrow(/đã có dữ liệu/);
    } finally {
      await target.destroy();
    }

    await original.close();
    gateways.splice(0);
    const restored = await startTestGateway({ env, databaseUrl: restoredUrl });
    gateways.push(restored);
    const again = restored.app.get(TransfersService);
    const rerun = await again.startSync({ periodId: PERIOD, units: UNITS }, 'test');
    expect(rerun.created).toBe(0);
    expect(rerun.newVersions).toBe(0);
    await again.pushDue('test');
    await settled(again);
    expect((await counters()).stored).toBe(storedBefore);
  });
});
