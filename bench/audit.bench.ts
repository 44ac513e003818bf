import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { exportAudit } from '../src/audit/audit-export';
import { AuditLog, type AuditEventInput } from '../src/audit/audit-log';
import { AuditSigner } from '../src/audit/audit-signer';
import { planSegments, verifyAuditChain } from '../src/audit/audit-verifier';
import { dataSourceOptions } from '../src/database/data-source-options';
import { EmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrationsLocked } from '../src/database/migrations';

const mib = (bytes: number) => Math.round(bytes / 1048576);

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
 * the gateway does, chaining, verifying and exporting `total` events, with the process's peak
 * resident memory sampled during the export. Goals: append 2,000 events/s, verify 100,000
 * events/s, export a million events in under a minute with flat memory.
 */
export async function auditBench(
  total = Number(process.env.AUDIT_BENCH_EVENTS ?? 1_000_000),
): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-bench-pg-'));
  const server = await EmbeddedPostgres.start({ dataDir: dir, ephemeral: true, database: 'bench' });
  const dataSource = await new DataSource(dataSourceOptions(server.url, 8)).initialize();
  try {
    await runMigrationsLocked(dataSource);
    const log = new AuditLog(dataSource, AuditSigner.generate(), {
      checkpointEvery: 10_000,
      batchSize: 5000,
    });

    // Append as the gateway does: one insert per event (8 at once, as replicas and jobs would), then chained.
    const appendCount = 20_000;
    let started = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < appendCount) await log.record(event(next++));
      }),
    );
    await log.flush();
    const appendSeconds = Number(process.hrtime.bigint() - started) / 1e9;

    started = process.hrtime.bigint();
    for (let done = appendCount; done < total; done += 5000) {
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

    const file = path.join(dir, 'export.jsonl');
    const output = createWriteStream(file);
    let peakRss = process.memoryUsage().rss;
    const rssBefore = peakRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    started = process.hrtime.bigint();
    const exported = await exportAudit(dataSource, log, {
      format: 'jsonl',
      filters: {},
      output,
      actor: 'bench',
    });
    await new Promise<void>((resolve) => output.end(resolve));
    const exportSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);

    return {
      'audit.append.events': appendCount,
      'audit.append.eventsPerSecond': Math.round(appendCount / appendSeconds),
      'audit.append.goalRatio': Number((appendCount / appendSeconds / 2000).toFixed(2)),
      'audit.bulkFill.eventsPerSecond': Math.round((total - appendCount) / fillSeconds),
      'audit.verify.events': verified.events,
      'audit.verify.eventsPerSecond': Math.round(verified.events / verifySeconds),
      'audit.verify.goalRatio': Number((verified.events / verifySeconds / 100_000).toFixed(2)),
      'audit.verify.segments': planSegments('0', String(verified.events), {}).length,
      'audit.verify.twoSegments.eventsPerSecond': Math.round(segmented.events / segmentedSeconds),
      'audit.export.events': exported.events,
      'audit.export.seconds': Number(exportSeconds.toFixed(1)),
      'audit.export.goalRatio(60s/actual)': Number((60 / exportSeconds).toFixed(2)),
      'audit.export.rssBeforeMiB': mib(rssBefore),
      'audit.export.peakRssMiB': mib(peakRss),
    };
  } finally {
    await dataSource.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
