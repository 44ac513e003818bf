import { createPrivateKey } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { DataSource } from 'typeorm';
import { exportAudit } from '../src/audit/audit-export';
import { AuditLog } from '../src/audit/audit-log';
import { AuditSigner } from '../src/audit/audit-signer';
import { dataSourceOptions } from '../src/database/data-source-options';

/**
 * The audit bench's export, in a process of its own as an auditor's `audit export` runs: its
 * resident memory read when it is ready to export and every 20 ms while it does. Prints one JSON
 * line: events, seconds, rssBeforeMiB, peakRssMiB.
 */
async function main(): Promise<void> {
  const [url, file] = process.argv.slice(2);
  const dataSource = await new DataSource(dataSourceOptions(url, 2)).initialize();
  const log = new AuditLog(
    dataSource,
    new AuditSigner(createPrivateKey(process.env.BENCH_SIGNING_KEY!)),
    { checkpointEvery: 10_000 },
  );
  const output = createWriteStream(file);
  const mib = (bytes: number) => Math.round(bytes / 1048576);
  const rssBefore = process.memoryUsage.rss();
  let peakRss = rssBefore;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
  const started = process.hrtime.bigint();
  const result = await exportAudit(dataSource, log, {
    format: 'jsonl',
    filters: {},
    output,
    actor: 'bench',
  });
  await new Promise<void>((resolve) => output.end(resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  await dataSource.destroy();
  process.stdout.write(
    `${JSON.stringify({ events: result.events, seconds, rssBeforeMiB: mib(rssBefore), peakRssMiB: mib(peakRss) })}\n`,
  );
}

void main();
