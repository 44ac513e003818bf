import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { AuditLog, type AuditEventInput } from '../src/audit/audit-log';
import { AuditSigner } from '../src/audit/audit-signer';
import { configSchema } from '../src/config/config.schema';
import { dataSourceOptions } from '../src/database/data-source-options';
import { EmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrationsLocked } from '../src/database/migrations';
import { buildOnce, median, root } from './support';

/**
 * The verifier as built (dist/), as `npm run cli -- audit verify` runs it: a segment's worker
 * thread then loads compiled JavaScript, not TypeScript through ts-node, which took 0.6 to 0.8 s
 * (about 1 CPU s) a worker here before it read an event.
 */
function builtVerifier(): typeof import('../src/audit/audit-verifier') {
  buildOnce();
  return createRequire(__filename)(
    path.join(root, 'dist', 'src', 'audit', 'audit-verifier'),
  ) as typeof import('../src/audit/audit-verifier');
}

/** The V8 flags bin/cli.js runs a verb under (bin/cli-node-flags.js). */
const cliNodeFlags = (
  createRequire(__filename)('../bin/cli-node-flags') as {
    nodeFlagsFor: (args: string[]) => string[];
  }
).nodeFlagsFor;

const APPEND_WARMUPS = Number(process.env.AUDIT_BENCH_APPEND_WARMUPS ?? 5);
const APPEND_MEASURED = Math.max(1, Number(process.env.AUDIT_BENCH_APPEND_MEASURED ?? 3));

function event(index: number): AuditEventInput {
  return {
    actor: index % 3 ? 'schedule' : 'vanthu@quangngai.gov.vn',
    action: index % 2 ? 'transfer.push' : 'transfer.confirm',
    outcome: index % 17 ? 'ok' : 'failed',
    unitCode: `QNG-X-${String(index % 96).padStart(3, '0')}`,
    formCode: 'II.06a/VPCP/KSTT',
    periodId: '2026-Q4',
    request: { header: { unitCode: 'QNG-X-001', periodId: '2026-Q4' }, rows: index % 8 },
    response: { status: 'draft', submissionId: `NS-${index}` },
  };
}

/**
 * The audit trail on a real (embedded, throwaway) PostgreSQL: appending one event at a time as
 * the gateway does (the chain writer on its timer beside), chaining, verifying and exporting
 * `total` events, the export in a process of its own with its resident memory sampled as it goes
 * (audit-export-child.ts). Goals (#18): append 10,000 events/s (recorded and chained, warm: the
 * median of AUDIT_BENCH_APPEND_MEASURED rounds after AUDIT_BENCH_APPEND_WARMUPS), verify
 * 250,000 events/s, export a million events with resident memory at most 30 MiB above where it
 * started.
 */
export async function auditBench(
  total = Number(process.env.AUDIT_BENCH_EVENTS ?? 1_000_000),
): Promise<Record<string, number>> {
  const { planSegments, verifyAuditChain } = builtVerifier();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-bench-pg-'));
  const server = await EmbeddedPostgres.start({ dataDir: dir, ephemeral: true, database: 'bench' });
  const dataSource = await new DataSource(dataSourceOptions(server.url, 8)).initialize();
  try {
    await runMigrationsLocked(dataSource);
    const signingKey = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const log = new AuditLog(dataSource, new AuditSigner(createPrivateKey(signingKey)), {
      checkpointEvery: 10_000,
      batchSize: 5000,
    });

    // Rounds of 20,000 events from 8 callers at once (as replicas and jobs would), each waiting
    // for its own event to be durable (one INSERT for the events that arrive together). First
    // recorded and then chained (the measure of earlier runs); then as the gateway appends:
    // every replica runs the chain writer on its timer (audit.flushIntervalMs) beside record(),
    // and a round's rate counts until its last event is chained.
    const appendCount = 20_000;
    let next = 0;
    const recordAll = async (until: number) => {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < until) await log.record(event(next++));
        }),
      );
    };
    let started = process.hrtime.bigint();
    await recordAll(appendCount);
    await log.flush();
    const recordThenChainSeconds = Number(process.hrtime.bigint() - started) / 1e9;

    const { flushIntervalMs } = configSchema.shape.audit.parse(undefined);
    /** `appendCount` events more as the gateway appends: the chain writer on its timer beside. */
    const appendRound = async (): Promise<number> => {
      const from = next;
      const roundStarted = process.hrtime.bigint();
      let chainFailure: Error | undefined;
      const stopChaining = log.chainEvery(
        flushIntervalMs,
        (error) => (chainFailure ??= error instanceof Error ? error : new Error(String(error))),
      );
      try {
        await recordAll(from + appendCount);
      } finally {
        await stopChaining();
      }
      if (chainFailure) throw chainFailure;
      await log.flush();
      return appendCount / (Number(process.hrtime.bigint() - roundStarted) / 1e9);
    };
    // The first round in this fresh process and database (the figure of runs up to 47), then
    // APPEND_WARMUPS more, then APPEND_MEASURED measured: a gateway that has been running has
    // compiled its record path and its database has settled (in a scratch loop of 16 rounds the
    // rate rose from 10,633 events/s in the first to 20,301–24,072 from the eighth on, the
    // gateway's CPU per event falling from 69.5 µs to 22.4–29.0 and PostgreSQL's from 53.0 to
    // 35.5–41.0; docs/performance.md).
    const firstRate = await appendRound();
    const warmRates: number[] = [];
    for (let round = 0; round < APPEND_WARMUPS; round++) warmRates.push(await appendRound());
    const measuredRates: number[] = [];
    for (let round = 0; round < APPEND_MEASURED; round++) measuredRates.push(await appendRound());
    const appendRate = median(measuredRates);
    const appended = next;

    started = process.hrtime.bigint();
    for (let done = appended; done < total; done += 5000) {
      await log.recordMany(
        Array.from({ length: Math.min(5000, total - done) }, (_, index) => event(done + index)),
      );
      await log.flush();
    }
    const fillSeconds = Number(process.hrtime.bigint() - started) / 1e9;

    started = process.hrtime.bigint();
    const verified = await verifyAuditChain(dataSource, {
      trustedKeys: [log['signer'].publicKeyPem],
    });
    const verifySeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (!verified.ok) throw new Error(`bench chain does not verify: ${verified.reason}`);
    started = process.hrtime.bigint();
    const segmented = await verifyAuditChain(dataSource, {
      trustedKeys: [log['signer'].publicKeyPem],
      parallel: 2,
    });
    const segmentedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (!segmented.ok) throw new Error(`bench chain does not verify: ${segmented.reason}`);

    // The export in a process of its own, as `npm run cli -- audit export` runs it (under the V8
    // flags bin/cli.js gives that verb): what it holds is read apart from the fill's garbage in
    // this one.
    const child = spawnSync(
      process.execPath,
      [
        ...cliNodeFlags(['audit', 'export']),
        '-r',
        'ts-node/register/transpile-only',
        path.join(__dirname, 'audit-export-child.ts'),
        server.url,
        path.join(dir, 'export.jsonl'),
      ],
      {
        cwd: root,
        env: { ...process.env, BENCH_SIGNING_KEY: signingKey },
        encoding: 'utf8',
      },
    );
    if (child.status !== 0) throw new Error(`the export failed: ${child.stderr}`);
    const exported = JSON.parse(child.stdout) as {
      events: number;
      seconds: number;
      rssBeforeMiB: number;
      peakRssMiB: number;
    };
    const verifyRate = verified.events / verifySeconds;
    const twoSegmentsRate = segmented.events / segmentedSeconds;
    const growth = exported.peakRssMiB - exported.rssBeforeMiB;
    return {
      'audit.append.events': appendCount,
      // The first round with the chain writer beside, in this fresh process and database.
      'audit.append.first.eventsPerSecond': Math.round(firstRate),
      ...Object.fromEntries(
        warmRates.map((rate, index) => [
          `audit.append.warmup${index + 1}.eventsPerSecond`,
          Math.round(rate),
        ]),
      ),
      ...Object.fromEntries(
        measuredRates.map((rate, index) => [
          `audit.append.measured${index + 1}.eventsPerSecond`,
          Math.round(rate),
        ]),
      ),
      // #18: the median of the measured rounds, warm.
      'audit.append.eventsPerSecond': Math.round(appendRate),
      'audit.append.goalRatio(10000/s)': Number((appendRate / 10_000).toFixed(2)),
      'audit.append.flushIntervalMs': flushIntervalMs,
      'audit.append.recordThenChain.eventsPerSecond': Math.round(
        appendCount / recordThenChainSeconds,
      ),
      'audit.bulkFill.eventsPerSecond': Math.round(Math.max(0, total - appended) / fillSeconds),
      'audit.verify.events': verified.events,
      'audit.verify.eventsPerSecond': Math.round(verifyRate),
      'audit.verify.goalRatio(250000/s)': Number((verifyRate / 250_000).toFixed(2)),
      'audit.verify.segments': planSegments('0', String(verified.events), {}).length,
      'audit.verify.twoSegments.eventsPerSecond': Math.round(twoSegmentsRate),
      'audit.verify.twoSegments.goalRatio(250000/s)': Number(
        (twoSegmentsRate / 250_000).toFixed(2),
      ),
      'audit.export.events': exported.events,
      'audit.export.seconds': Number(exported.seconds.toFixed(1)),
      'audit.export.rssBeforeMiB': exported.rssBeforeMiB,
      'audit.export.peakRssMiB': exported.peakRssMiB,
      'audit.export.rssGrowthMiB': growth,
      'audit.export.goalRatio(30MiB/growth)': Number((30 / Math.max(growth, 1)).toFixed(2)),
    };
  } finally {
    await dataSource.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
