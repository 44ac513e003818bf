import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { remoteSystemsEnv, seedDemoVault } from '../src/simulators/demo';
import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { CredentialVault } from '../src/vault/credential-vault';
import { VaultKey } from '../src/vault/vault-key';
import { freshDatabaseUrl } from './support/database';
import { spawnGateway } from './support/process';

/**
 * kill -9 the gateway process at random moments of a full sync of the current quarter and start
 * it again, ten times: every transfer ends confirmed or invalid, and the national system holds
 * exactly one version per submission.
 */
describe('a full sync survives kill -9 at random moments', () => {
  let sims: RunningSimulators;
  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      // Slow enough answers, and few pushes at once (below), that the quarter's pushes span
      // several of the gateway's lives: the kills fall in the middle of the work.
      faults: { nationalReports: { latencyMs: 100 } },
    });
  });
  afterAll(() => sims?.stop());

  it('ten kills, then every transfer confirmed or invalid and no duplicate', async () => {
    const databaseUrl = await freshDatabaseUrl({ fromTemplate: true });
    const vaultKey = VaultKey.generate();
    const dataSource = await new DataSource(dataSourceOptions(databaseUrl, 2)).initialize();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-crash-'));
    const anchors = path.join(dir, 'anchors.pem');
    writeFileSync(anchors, sims.credentials.signingAuthority.certificatePem);
    try {
      await seedDemoVault(new CredentialVault(dataSource, vaultKey, () => Promise.resolve()), sims);
      const env = {
        DATABASE_URL: databaseUrl,
        ...remoteSystemsEnv(sims),
        NATIONAL_SIGNING_TRUST_ANCHORS_FILE: anchors,
        ALLOW_PLAIN_HTTP_LOOPBACK: 'true',
        TRANSFERS_PERIODS_BACK: '0',
        TRANSFERS_PUSH_CONCURRENCY: '4',
        NATIONAL_MAX_CONCURRENT: '4',
        TRANSFERS_LEASE_SECONDS: '10',
        TRANSFERS_SCHEDULE_PUSH: '* * * * * *',
        AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
        VAULT_KEY: vaultKey.toText(),
      };
      const kills: string[] = [];
      for (let kill = 0; kill < 10; kill++) {
        const gateway = spawnGateway(env);
        await gateway.waitForLog(/is listening/, 90_000);
        // Past the planning (which a loaded machine can stretch beyond the kill window), up to
        // 30 s: then the kill falls at a random moment of the pushes.
        for (let waited = 0; waited < 30_000; waited += 200) {
          const [{ planned }] = await dataSource.query<Array<{ planned: boolean }>>(
            'SELECT EXISTS (SELECT 1 FROM transfer) AS planned',
          );
          if (planned) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 2500));
        const [{ states }] = await dataSource.query<Array<{ states: string | null }>>(
          "SELECT string_agg(state || ':' || n, ',') AS states FROM (SELECT state, count(*) AS n FROM transfer GROUP BY state) s",
        );
        kills.push(states ?? 'nothing planned yet');
        gateway.child.kill('SIGKILL');
        await gateway.exited;
      }
      // The kills fell in the middle of the work: transfers were on their way at several of them.
      expect(
        kills.filter((states) => /mapped|pushing|pushed|unknown/.test(states)).length,
      ).toBeGreaterThanOrEqual(3);
      const last = spawnGateway(env);
      try {
        await last.waitForLog(/is listening/, 90_000);
        const deadline = Date.now() + 150_000;
        let open = -1;
        for (;;) {
          const [row] = await dataSource.query<Array<{ open: string; total: string }>>(
            "SELECT count(*) FILTER (WHERE state NOT IN ('confirmed', 'invalid'))::text AS open, count(*)::text AS total FROM transfer",
          );
          open = Number(row.open);
          if ((open === 0 && Number(row.total) > 0) || Date.now() > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        if (open !== 0)
          console.log(
            kills,
            await dataSource.query(
              `SELECT state, step, attempts, next_attempt_at, leased_until, last_error,
                      (SELECT string_agg(j.state::text, ',') FROM pgboss.job j
                        WHERE j.name = 'transfers.push-transfer' AND j.data->>'transferId' = t.id::text) AS jobs
                 FROM transfer t WHERE state NOT IN ('confirmed', 'invalid')`,
            ),
            JSON.stringify(
              await dataSource.query(
                `SELECT a.transfer_id, a.step, a.outcome, a.node, a.started_at, a.error,
                        a.response->>'submissionId' AS sid, a.response->>'status' AS status
                   FROM transfer_attempt a JOIN transfer t ON t.id = a.transfer_id
                  WHERE t.state NOT IN ('confirmed', 'invalid') ORDER BY a.transfer_id, a.started_at`,
              ),
              null,
              1,
            ),
          );
        expect(open).toBe(0);
      } finally {
        last.child.kill('SIGTERM');
        await last.exited;
      }
      const confirmed = await dataSource.query<Array<{ count: string }>>(
        "SELECT count(*)::text AS count FROM transfer WHERE state = 'confirmed'",
      );
      const held = (await (
        await fetch(`${sims.nationalReports.origin}/__admin/submissions`)
      ).json()) as Array<{ versions: unknown[] }>;
      expect(held).toHaveLength(Number(confirmed[0].count));
      expect(held.filter((submission) => submission.versions.length !== 1)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  }, 600_000);
});
