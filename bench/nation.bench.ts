import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { createDatabaseIfMissing, EmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrationsLocked } from '../src/database/migrations';
import { remoteSystemsEnv, seedDemoVault } from '../src/simulators/demo';
import type { RunningSimulators } from '../src/simulators/simulators';
import { CredentialVault } from '../src/vault/credential-vault';
import { VaultKey } from '../src/vault/vault-key';
import {
  adminJson,
  buildOnce,
  cpuSecondsOf,
  freshNational,
  root,
  simulatorsProcess,
  type SimulatorsProcess,
} from './support';

const LATENCY_MS = Number(process.env.NATION_BENCH_LATENCY_MS ?? 50);
const CAP = Number(process.env.NATION_BENCH_CONCURRENCY ?? 32);
const REPLICAS = (process.env.NATION_BENCH_REPLICAS ?? '1,2').split(',').map(Number);
const LIMIT_MS = 30 * 60_000;
const HEAP_MIB = 192;
/**
 * The young generation's ceiling beside the heap ceiling. On Node 24, a 192 MiB ceiling alone
 * left V8 with no room to scavenge: after start-up a replica ran only full mark-compacts, one
 * about every 150 ms (--trace-gc); the same build took 403.5 s on Node 24 against 215.6 s on
 * Node 20 (docs/performance.md).
 */
const SEMI_SPACE_MIB = 8;
/**
 * glibc's malloc arenas for a replica, as the Dockerfile sets them (MALLOC_ARENA_MAX): with the
 * default (up to eight per core, one per thread that allocates), a replica pushing the nation
 * peaked at 249, 254 and 250 MiB resident; with two, 235 and 237 (docs/performance.md).
 * NATION_BENCH_MALLOC_ARENAS=0 leaves glibc's default.
 */
const MALLOC_ARENAS = Number(process.env.NATION_BENCH_MALLOC_ARENAS ?? 2);

/** Peak and current resident memory of a process, from /proc (Linux). */
function memoryOf(pid: number): { peakMiB: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const peak = /VmHWM:\s+(\d+) kB/.exec(status);
    return { peakMiB: peak ? Math.round(Number(peak[1]) / 1024) : 0 };
  } catch {
    return { peakMiB: 0 };
  }
}

/** A gateway replica as deployed: the built application, its own process. */
function replica(env: Record<string, string>, log: string): ChildProcess {
  // As docs/transfers.md advises for a replica: a heap ceiling well above its live heap (about
  // 80 MiB on Node 24, by a heap snapshot of a replica pushing this quarter), so that V8 collects instead
  // of growing toward its default ceiling (a quarter of the machine's memory).
  const flags = (
    process.env.NATION_BENCH_NODE_ARGS ??
    `--max-old-space-size=${HEAP_MIB} --max-semi-space-size=${SEMI_SPACE_MIB}`
  )
    .split(' ')
    .filter(Boolean);
  return spawn(process.execPath, [...flags, 'dist/src/main.js'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      ...(MALLOC_ARENAS > 0 ? { MALLOC_ARENA_MAX: String(MALLOC_ARENAS) } : {}),
      ...env,
    },
    stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
  });
}

/**
 * The nation-sized data set (34 provinces, about 4,000 units) pushed by gateway replicas as
 * deployed (built, each its own process, one database), started together with the schedule on:
 * the start tick plans the quarter and the replicas push it. The national simulator (its own
 * process) answers after L ms; the replicas together hold at most C calls in flight (C / n
 * each), so the national system sees the same cap whatever n. Time from the replicas' start to
 * every transfer confirmed or invalid, against the bound ceil(requests / C) × L; peak resident
 * memory of each replica.
 */
export async function nationBench(): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-bench-nation-'));
  const figures: Record<string, number> = {
    'nation.latencyMs': LATENCY_MS,
    'nation.concurrencyCap': CAP,
    'nation.replicaHeapCeilingMiB': process.env.NATION_BENCH_NODE_ARGS ? 0 : HEAP_MIB,
    'nation.replicaMallocArenas': MALLOC_ARENAS,
  };
  // The replicas run the built application, as `npm start` does.
  buildOnce();
  const server = await EmbeddedPostgres.start({ dataDir: dir, ephemeral: true, database: 'bench' });
  let sims: SimulatorsProcess | undefined;
  try {
    sims = await simulatorsProcess(path.join(dir, 'credentials.json'), { nation: true });
    const anchors = path.join(dir, 'anchors.pem');
    writeFileSync(anchors, sims.credentials.signingAuthority.certificatePem);
    const national = sims.nationalReports.origin;
    for (const replicas of REPLICAS) {
      const label = `nation.replicas${replicas}`;
      const database = `nation_${replicas}`;
      const url = server.url.replace(/\/[^/]*$/, `/${database}`);
      await createDatabaseIfMissing(server.url, database);
      const dataSource = await new DataSource(dataSourceOptions(url, 2)).initialize();
      await runMigrationsLocked(dataSource);
      const vaultKey = VaultKey.generate();
      await seedDemoVault(
        new CredentialVault(dataSource, vaultKey, () => Promise.resolve()),
        sims as unknown as RunningSimulators,
      );
      await freshNational(national, LATENCY_MS);
      const each = Math.max(1, Math.floor(CAP / replicas));
      // Pushes in flight per replica: about 1.5 times its national cap, as docs/configuration.md
      // advises, so the cap stays busy while pushes write their steps (NATION_BENCH_PUSHES sets
      // the factor; 1 is the cap itself).
      const pushes = Math.ceil(each * Number(process.env.NATION_BENCH_PUSHES ?? 1.5));
      figures[`${label}.pushConcurrencyPerReplica`] = pushes;
      const env = {
        DATABASE_URL: url,
        // database.poolSize stays at its default (10), as docs/configuration.md advises.
        ...remoteSystemsEnv(sims),
        NATIONAL_MAX_CONCURRENT: String(each),
        NATIONAL_MAX_REQUESTS_PER_SECOND: '0',
        NATIONAL_SIGNING_TRUST_ANCHORS_FILE: anchors,
        TRANSFERS_PUSH_CONCURRENCY: String(pushes),
        TRANSFERS_PERIODS_BACK: '0',
        ALLOW_PLAIN_HTTP_LOOPBACK: 'true',
        AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
        VAULT_KEY: vaultKey.toText(),
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        PORT: '0',
      };
      const started = Date.now();
      // CPU of the simulators and PostgreSQL from here on; a replica's own is all of its life.
      const cpuBefore = {
        simulators: cpuSecondsOf(sims.pid),
        postgres: cpuSecondsOf(server.pid!, true),
      };
      const logs = Array.from({ length: replicas }, (_, index) =>
        path.join(dir, `replica-${replicas}-${index + 1}.log`),
      );
      const children = logs.map((log) => replica(env, log));
      try {
        let open = -1;
        let total = 0;
        let reportAt = 15;
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          children.forEach((child, index) => {
            if (child.exitCode !== null)
              throw new Error(
                `replica ${index + 1} exited (${child.exitCode}):\n${readFileSync(logs[index], 'utf8').slice(-3000)}`,
              );
          });
          const [row] = await dataSource.query<Array<{ open: string; total: string }>>(
            `SELECT count(*) FILTER (WHERE state NOT IN ('confirmed', 'invalid'))::text AS open,
                    count(*)::text AS total FROM transfer`,
          );
          open = Number(row.open);
          total = Number(row.total);
          const elapsed = Math.round((Date.now() - started) / 1000);
          if (total > 0 && elapsed >= reportAt) {
            process.stderr.write(
              `nation: ${total - open} of ${total} settled after ${elapsed} s\n`,
            );
            reportAt = elapsed + 15;
          }
          if (total > 0 && open === 0) break;
          if (Date.now() - started > LIMIT_MS)
            throw new Error(`${open} of ${total} transfers still open after 30 minutes`);
        }
        const seconds = (Date.now() - started) / 1000;
        const peaks = children.map((child) => memoryOf(child.pid!).peakMiB);
        const replicaCpu = children.map((child) => cpuSecondsOf(child.pid!));
        const cpuUsed = {
          simulators: cpuSecondsOf(sims.pid) - cpuBefore.simulators,
          postgres: cpuSecondsOf(server.pid!, true) - cpuBefore.postgres,
        };
        const counters = await adminJson<{ requests: number; peakConcurrent: number }>(
          `${national}/__admin/counters`,
        );
        const byNode = await dataSource.query<Array<{ node: string; transfers: string }>>(
          `SELECT node, count(DISTINCT transfer_id)::text AS transfers FROM transfer_attempt
            GROUP BY node ORDER BY node`,
        );
        const [states] = await dataSource.query<Array<{ confirmed: string; invalid: string }>>(
          `SELECT count(*) FILTER (WHERE state = 'confirmed')::text AS confirmed,
                  count(*) FILTER (WHERE state = 'invalid')::text AS invalid FROM transfer`,
        );
        const bound = (Math.ceil(counters.requests / CAP) * LATENCY_MS) / 1000;
        figures[`${label}.transfers`] = total;
        figures[`${label}.confirmed`] = Number(states.confirmed);
        figures[`${label}.invalid`] = Number(states.invalid);
        figures[`${label}.nationalRequests`] = counters.requests;
        figures[`${label}.nationalPeakConcurrent`] = counters.peakConcurrent;
        figures[`${label}.seconds`] = Number(seconds.toFixed(1));
        figures[`${label}.boundSeconds`] = Number(bound.toFixed(1));
        figures[`${label}.ratioToBound(goal<=2)`] = Number((seconds / bound).toFixed(2));
        peaks.forEach((peak, index) => {
          figures[`${label}.replica${index + 1}.peakRssMiB(goal<250)`] = peak;
        });
        // Where the two cores went: each replica (one thread of JavaScript, so its CPU seconds
        // near its wall time mean it was the bottleneck), the simulators and PostgreSQL.
        replicaCpu.forEach((cpu, index) => {
          figures[`${label}.replica${index + 1}.cpuSeconds`] = Number(cpu.toFixed(1));
        });
        figures[`${label}.replicasCpuMsPerTransfer`] = Number(
          ((replicaCpu.reduce((sum, cpu) => sum + cpu, 0) * 1000) / total).toFixed(1),
        );
        figures[`${label}.simulators.cpuSeconds`] = Number(cpuUsed.simulators.toFixed(1));
        figures[`${label}.postgres.cpuSeconds`] = Number(cpuUsed.postgres.toFixed(1));
        byNode.forEach((row, index) => {
          figures[`${label}.node${index + 1}.transfersWorked`] = Number(row.transfers);
        });
      } finally {
        for (const child of children) child.kill('SIGTERM');
        await Promise.all(
          children.map(
            (child) =>
              new Promise((resolve) =>
                child.exitCode !== null ? resolve(null) : child.once('exit', resolve),
              ),
          ),
        );
        await dataSource.destroy();
      }
    }
    return figures;
  } finally {
    sims?.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
