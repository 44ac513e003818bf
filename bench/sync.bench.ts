import { mkdtempSync, rmSync } from 'node:fs';
import os, { availableParallelism } from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { AuditLog } from '../src/audit/audit-log';
import { AuditSigner } from '../src/audit/audit-signer';
import { FormCatalogue } from '../src/catalog/forms';
import { periodContaining } from '../src/catalog/periods';
import { loadConfig } from '../src/config/load-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { createDatabaseIfMissing, EmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrationsLocked } from '../src/database/migrations';
import { MappingTables } from '../src/mapping/mapping-tables';
import { SatisfactionLevels } from '../src/mapping/satisfaction';
import { NationalClient } from '../src/national/national.client';
import { UnitSigner } from '../src/national/unit-signer';
import { ProvincialClient } from '../src/provincial/provincial.client';
import { remoteSystemsEnv, seedDemoVault } from '../src/simulators/demo';
import type { RunningSimulators } from '../src/simulators/simulators';
import { TransferEngine } from '../src/transfers/transfer-engine';
import { CredentialVault } from '../src/vault/credential-vault';
import { VaultKey } from '../src/vault/vault-key';
import { VaultNationalAccounts } from '../src/vault/vault-national-accounts';
import { VaultSigningKeys } from '../src/vault/vault-signing-keys';
import { cpuSecondsOf, simulatorsProcess, type SimulatorsProcess } from './support';

const LATENCY_MS = Number(process.env.SYNC_BENCH_LATENCY_MS ?? 50);
// The same capped sync again with a slower national system (0 skips it): where the latency, not
// this machine's two cores, is what the bound is about.
const SLOW_LATENCY_MS = Number(process.env.SYNC_BENCH_SLOW_LATENCY_MS ?? 200);
const CAP = Number(process.env.SYNC_BENCH_CONCURRENCY ?? 32);
// Pushes in flight, more than the national cap: while some write a step to the database, others
// wait at the cap with their next call ready, so the cap does not idle. At L = 200 ms, 1.5 × C
// pushes ran faster than C pushes in 4 pairs of runs out of 4 (ratios 1.10–1.16 against 1.16–1.22);
// 2 × C was no better than 1.5 × C.
const PUSHES = Number(process.env.SYNC_BENCH_PUSHES ?? Math.ceil(CAP * 1.5));

async function engineOn(
  server: EmbeddedPostgres,
  database: string,
  sims: SimulatorsProcess,
  cap: number,
) {
  const url = server.url.replace(/\/[^/]*$/, `/${database}`);
  await createDatabaseIfMissing(server.url, database);
  const dataSource = await new DataSource(dataSourceOptions(url, cap + 4)).initialize();
  await runMigrationsLocked(dataSource);
  const audit = new AuditLog(dataSource, AuditSigner.generate(), { checkpointEvery: 1000 });
  const vault = new CredentialVault(dataSource, VaultKey.generate(), (event, manager) =>
    audit.record(event, manager),
  );
  await seedDemoVault(vault, sims as unknown as RunningSimulators);
  const config = loadConfig({
    env: {
      ...remoteSystemsEnv(sims),
      NATIONAL_MAX_CONCURRENT: String(cap),
      NATIONAL_MAX_REQUESTS_PER_SECOND: '0',
      AUDIT_SIGNING_KEY_FILE: '/nonexistent/unused.pem',
      VAULT_KEY_FILE: '/nonexistent/unused.key',
      ALLOW_PLAIN_HTTP_LOOPBACK: 'true',
    },
  });
  const engine = new TransferEngine({
    dataSource,
    provincial: new ProvincialClient(config),
    national: new NationalClient(config, new VaultNationalAccounts(vault)),
    signer: new UnitSigner(new VaultSigningKeys(vault), [
      sims.credentials.signingAuthority.certificatePem,
    ]),
    forms: FormCatalogue.load(),
    tables: MappingTables.load(),
    satisfaction: SatisfactionLevels.load(),
    record: (event, manager) => audit.record(event, manager),
    auditRow: (event) => audit.pendingRow(event),
    policy: { confirmDelayMs: 0 },
  });
  return { engine, dataSource, audit };
}

async function pushAll(engine: TransferEngine, parallel: number): Promise<void> {
  for (;;) {
    const due = await engine.due(100_000);
    if (!due.length) return;
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < due.length) await engine.push(due[next++]);
      }),
    );
  }
}

/**
 * A full demo-province quarter: planned, then pushed with the national simulator (in its own
 * process) answering after L ms and the gateway capped at C calls in flight, against the bound
 * ceil(requests / C) × L; and the same data pushed by a naive sequential loop in the same run.
 */
export async function syncBench(): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-bench-sync-'));
  const server = await EmbeddedPostgres.start({ dataDir: dir, ephemeral: true, database: 'bench' });
  const periodId = periodContaining('quarter', new Date()).id;
  const figures: Record<string, number> = {
    'sync.latencyMs': LATENCY_MS,
    'sync.concurrencyCap': CAP,
    'sync.pushesInFlight': PUSHES,
  };
  try {
    const runs: Array<{ label: string; parallel: number; latencyMs: number }> = [
      { label: 'capped', parallel: CAP, latencyMs: LATENCY_MS },
      ...(SLOW_LATENCY_MS
        ? [{ label: `cappedAt${SLOW_LATENCY_MS}ms`, parallel: CAP, latencyMs: SLOW_LATENCY_MS }]
        : []),
      // SYNC_BENCH_SEQUENTIAL=0 skips the naive loop (for profiling the capped runs alone).
      ...(process.env.SYNC_BENCH_SEQUENTIAL === '0'
        ? []
        : [{ label: 'sequential', parallel: 1, latencyMs: LATENCY_MS }]),
    ];
    for (const { label, parallel, latencyMs } of runs) {
      // The simulators in a process of their own, as the remote systems are: the gateway's CPU is
      // its own, and the bound compares like with like.
      const sims = await simulatorsProcess(path.join(dir, `credentials-${label}.json`));
      try {
        const { engine, dataSource, audit } = await engineOn(
          server,
          `bench_${label}`,
          sims,
          parallel,
        );
        const planned = await engine.sync({ periodId, actor: 'bench' });
        // Reset clears the counters and the faults: set the latency again.
        await fetch(`${sims.nationalReports.origin}/__admin/reset`, { method: 'POST' });
        await fetch(`${sims.nationalReports.origin}/__admin/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ latencyMs }),
        });
        // A running gateway's connections are open and their backends have read the tables'
        // catalog entries; open the pool to its cap and touch those tables before the clock
        // starts, or the run also pays for opening 36 connections and their first statements.
        await Promise.all(
          Array.from({ length: parallel + 4 }, () =>
            dataSource.query(
              'SELECT 1 FROM transfer, transfer_attempt, audit_pending, extraction_cursor, credential LIMIT 0',
            ),
          ),
        );
        let peakRss = process.memoryUsage().rss;
        const sampler = setInterval(
          () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)),
          100,
        );
        // CPU used during the push by each party on this machine: the gateway (this process),
        // the simulators, PostgreSQL (its server and backends). Their sum over the cores is the
        // floor the machine puts under the wall time, whatever the latency.
        const cpu = () => ({
          gateway: process.cpuUsage(),
          simulators: cpuSecondsOf(sims.pid),
          postgres: cpuSecondsOf(server.pid!, true),
        });
        const before = cpu();
        const started = process.hrtime.bigint();
        await pushAll(engine, parallel === 1 ? 1 : PUSHES);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const after = cpu();
        clearInterval(sampler);
        const counters = (await (
          await fetch(`${sims.nationalReports.origin}/__admin/counters`)
        ).json()) as {
          requests: number;
          stored: number;
        };
        figures[`sync.${label}.transfers`] = planned.transferIds.length;
        figures[`sync.${label}.nationalRequests`] = counters.requests;
        const idp = (await (await fetch(`${sims.urls.nationalIdp}/__admin/counters`)).json()) as {
          tokensIssued?: number;
        };
        figures[`sync.${label}.tokenRequests`] = idp.tokensIssued ?? 0;
        figures[`sync.${label}.seconds`] = Number(seconds.toFixed(2));
        figures[`sync.${label}.peakRssMiB`] = Math.round(peakRss / 1048576);
        if (label !== 'sequential') {
          const bound = (Math.ceil(counters.requests / CAP) * latencyMs) / 1000;
          figures[`sync.${label}.boundSeconds`] = Number(bound.toFixed(2));
          figures[`sync.${label}.ratioToBound(goal<=1.3)`] = Number((seconds / bound).toFixed(2));
          const gateway =
            (after.gateway.user +
              after.gateway.system -
              before.gateway.user -
              before.gateway.system) /
            1e6;
          const used = {
            gateway,
            simulators: after.simulators - before.simulators,
            postgres: after.postgres - before.postgres,
          };
          for (const [party, value] of Object.entries(used))
            figures[`sync.${label}.cpuSeconds.${party}`] = Number(value.toFixed(2));
          const floor = (used.gateway + used.simulators + used.postgres) / availableParallelism();
          figures[`sync.${label}.cpuFloorSeconds`] = Number(floor.toFixed(2));
          figures[`sync.${label}.cpuFloorOverBound`] = Number((floor / bound).toFixed(2));
        } else {
          figures['sync.sequentialOverCapped'] = Number(
            (seconds / figures['sync.capped.seconds']).toFixed(2),
          );
        }
        await audit.flush();
        await dataSource.destroy();
      } finally {
        sims.stop();
      }
    }
    return figures;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
