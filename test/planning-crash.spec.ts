import { DataSource } from 'typeorm';
import { periodContaining } from '../src/catalog/periods';
import { dataSourceOptions } from '../src/database/data-source-options';
import { seedDemoVault } from '../src/simulators/demo';
import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { CredentialVault } from '../src/vault/credential-vault';
import { VaultKey } from '../src/vault/vault-key';
import { freshDatabaseUrl } from './support/database';
import { simulatorGatewayEnv } from './support/gateway-env';
import { spawnGateway, type GatewayProcess } from './support/process';

/**
 * A replica killed with -9 while planning: the sync job it held goes back to the queue as soon as
 * its heartbeat (pg-boss' job heartbeat) is missed, and a restarted replica (with no schedule of its own to plan again)
 * finishes the period within a minute, not at pg-boss' expiry 15 minutes later.
 */
describe('a crash during planning', () => {
  let sims: RunningSimulators;
  const processes: GatewayProcess[] = [];
  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      // Slow answers from the provincial system: planning the quarter takes many seconds.
      faults: { provincialReports: { latencyMs: 2500 } },
    });
  });
  afterAll(async () => {
    for (const gateway of processes) gateway.child.kill('SIGKILL');
    await sims?.stop();
  });

  it('costs under a minute: the dead replica’s job is handed back and finished', async () => {
    const databaseUrl = await freshDatabaseUrl({ fromTemplate: true });
    const vaultKey = VaultKey.generate();
    const dataSource = await new DataSource(dataSourceOptions(databaseUrl, 2)).initialize();
    try {
      await seedDemoVault(new CredentialVault(dataSource, vaultKey, () => Promise.resolve()), sims);
      const env = {
        ...simulatorGatewayEnv(sims),
        DATABASE_URL: databaseUrl,
        VAULT_KEY: vaultKey.toText(),
        TRANSFERS_SCHEDULE_ENABLED: 'true',
        TRANSFERS_PERIODS_BACK: '0',
        // No plan tick of the schedule comes to the rescue during the test.
        TRANSFERS_SCHEDULE_PLAN: '0 0 1 1 *',
      };
      const period = periodContaining('quarter', new Date()).id;
      const planned = async () =>
        (
          await dataSource.query<Array<{ count: number }>>(
            `SELECT count(*)::int AS count FROM audit_event WHERE action = 'sync.planned' AND period_id = $1`,
            [period],
          )
        )[0].count;

      const first = spawnGateway(env);
      processes.push(first);
      await first.waitForLog(/is listening/, 120_000);
      // Kill it while it holds the period's sync job.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const [held] = await dataSource.query<Array<{ count: number }>>(
          `SELECT count(*)::int AS count FROM pgboss.job
            WHERE name = 'transfers.sync' AND state = 'active'`,
        );
        if (held.count) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      first.child.kill('SIGKILL');
      await first.exited;
      expect(await planned()).toBe(0);

      const restarted = spawnGateway({ ...env, TRANSFERS_SCHEDULE_ENABLED: 'false' });
      processes.push(restarted);
      await restarted.waitForLog(/is listening/, 120_000);
      const ready = Date.now();
      while (Date.now() - ready < 60_000 && (await planned()) === 0)
        await new Promise((resolve) => setTimeout(resolve, 500));
      const seconds = (Date.now() - ready) / 1000;
      expect({ planned: await planned(), withinAMinute: seconds < 60 }).toEqual({
        planned: 1,
        withinAMinute: true,
      });
      expect(restarted.output()).toMatch(/heartbeat stopped handed back to the queue/);
      // The sync job the dead replica held was taken again. (It need not be the newest: should the
      // replica have died before the start's plan tick was done, that tick is taken again too and
      // sends a sync job of its own, which finds the period planned.)
      const [job] = await dataSource.query<Array<{ retries: number }>>(
        `SELECT max(retry_count)::int AS retries FROM pgboss.job WHERE name = 'transfers.sync'`,
      );
      expect(job.retries).toBeGreaterThanOrEqual(1);
    } finally {
      await dataSource.destroy();
    }
  }, 300_000);
});
