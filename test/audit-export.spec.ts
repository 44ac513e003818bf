import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { archiveAudit } from '../src/audit/audit-archive';
import { exportAudit } from '../src/audit/audit-export';
import { queryAuditPage } from '../src/audit/audit-query';
import { AuditLog } from '../src/audit/audit-log';
import { AuditSigner } from '../src/audit/audit-signer';
import { verifyAuditChain } from '../src/audit/audit-verifier';
import { verifyExportFile } from '../src/audit/export-verifier';
import { dataSourceOptions } from '../src/database/data-source-options';
import { freshDatabaseUrl } from './support/database';

const root = path.join(__dirname, '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-audit-export-'));
const keyPem = generateKeyPairSync('ed25519')
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const signer = new AuditSigner(createPrivateKey(keyPem));
const publicKeyFile = path.join(dir, 'public.pem');
writeFileSync(publicKeyFile, signer.publicKeyPem);

async function exportTo(
  dataSource: DataSource,
  log: AuditLog,
  file: string,
  format: 'jsonl' | 'csv',
  filters = {},
) {
  const output = createWriteStream(file);
  const result = await exportAudit(dataSource, log, {
    format,
    filters,
    output,
    actor: 'thanhtra@quangngai.gov.vn',
  });
  await new Promise<void>((resolve) => output.end(resolve));
  return result;
}

describe('audit export and offline verification', () => {
  let url: string;
  let dataSource: DataSource;
  let log: AuditLog;
  beforeAll(async () => {
    url = await freshDatabaseUrl({ fromTemplate: true });
    dataSource = await new DataSource(dataSourceOptions(url, 3)).initialize();
    log = new AuditLog(dataSource, signer, { checkpointEvery: 10 });
    await log.recordMany(
      Array.from({ length: 40 }, (_, index) => ({
        actor: 'schedule',
        action: 'transfer.push',
        outcome: index % 4 ? 'ok' : 'failed',
        unitCode: index % 3 ? 'QNG-X-001' : 'QNG-SO-TC',
        periodId: '2026-Q4',
        request: { n: index, note: 'có dấu, "ngoặc kép", dòng\nmới' },
      })),
    );
    await log.flush();
  });
  afterAll(() => dataSource.destroy());

  it('a complete JSON Lines export verifies offline against the auditor’s own key, and carries its checkpoint', async () => {
    const file = path.join(dir, 'all.jsonl');
    const result = await exportTo(dataSource, log, file, 'jsonl');
    expect(result.events).toBe(40);
    expect(result.checkpoint?.seq).toBe('40');
    expect(await verifyExportFile(file, signer.publicKeyPem)).toMatchObject({
      ok: true,
      complete: true,
      events: 40,
      keyTrusted: true,
    });
    const exported = await dataSource.query<
      Array<{ details: { events: number; checkpointSeq: string } }>
    >("SELECT details::json AS details FROM audit_event WHERE action = 'audit.export'");
    expect(exported.at(-1)!.details).toMatchObject({ events: 40, checkpointSeq: '40' });
  });

  it('each line of a JSON Lines export is the event as the API pages it', async () => {
    const file = path.join(dir, 'as-api.jsonl');
    await exportTo(dataSource, log, file, 'jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(1, -1);
    // Compact, as JSON.stringify writes it (these events' bodies have no keys that are numbers,
    // which JSON.parse would move to the front).
    expect(lines.every((line) => line === JSON.stringify(JSON.parse(line)))).toBe(true);
    const page = await queryAuditPage(dataSource, {}, undefined, 1000);
    expect(lines).toHaveLength(page.items.length - 1);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(
      page.items.slice(0, lines.length).map((row) => JSON.parse(JSON.stringify(row)) as unknown),
    );
  });

  it('filter values go into the export as values, whatever quotes they hold', async () => {
    const file = path.join(dir, 'quoted.jsonl');
    const none = await exportTo(dataSource, log, file, 'jsonl', { actor: "x' OR '1'='1" });
    expect(none.events).toBe(0);
    const some = await exportTo(dataSource, log, file, 'jsonl', {
      unitCodes: ['QNG-X-001', "QNG'--"],
      until: new Date('2999-01-01T00:00:00Z'),
    });
    expect(some.events).toBeGreaterThan(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(1, -1);
    expect(lines).toHaveLength(some.events);
    expect(
      lines.every((line) => (JSON.parse(line) as { unit_code: string }).unit_code === 'QNG-X-001'),
    ).toBe(true);
  });

  it('a byte changed, a line removed or a foreign key in the file is caught', async () => {
    const file = path.join(dir, 'tamper.jsonl');
    await exportTo(dataSource, log, file, 'jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const altered = [...lines];
    altered[5] = altered[5]
      .replace('"QNG-X-001"', '"QNG-X-002"')
      .replace('"QNG-SO-TC"', '"QNG-SO-TX"');
    writeFileSync(path.join(dir, 'altered.jsonl'), `${altered.join('\n')}\n`);
    expect(
      await verifyExportFile(path.join(dir, 'altered.jsonl'), signer.publicKeyPem),
    ).toMatchObject({
      ok: false,
      code: 'EVENT_ALTERED',
      summary: expect.stringContaining('sự kiện 5'),
    });
    writeFileSync(
      path.join(dir, 'cut.jsonl'),
      `${[...lines.slice(0, 9), ...lines.slice(10)].join('\n')}\n`,
    );
    expect(await verifyExportFile(path.join(dir, 'cut.jsonl'), signer.publicKeyPem)).toMatchObject({
      ok: false,
      code: 'EVENT_MISSING',
      summary: expect.stringContaining('Thiếu sự kiện 9'),
    });
    expect(await verifyExportFile(file, AuditSigner.generate().publicKeyPem)).toMatchObject({
      ok: false,
      code: 'CHECKPOINT_KEY_UNTRUSTED',
    });
  });

  it('a filtered export holds only matching events, each intact, and says it cannot prove completeness', async () => {
    const file = path.join(dir, 'unit.jsonl');
    const result = await exportTo(dataSource, log, file, 'jsonl', {
      unitCode: 'QNG-SO-TC',
      outcome: 'failed',
    });
    const events = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1, -1)
      .map((line) => JSON.parse(line) as { unit_code: string; outcome: string });
    expect(events.length).toBe(result.events);
    expect(events.length).toBeGreaterThan(0);
    expect(
      events.every((event) => event.unit_code === 'QNG-SO-TC' && event.outcome === 'failed'),
    ).toBe(true);
    expect(await verifyExportFile(file, signer.publicKeyPem)).toMatchObject({
      ok: true,
      complete: false,
      code: 'EXPORT_EVENTS_INTACT',
      summary: expect.stringContaining('không chứng minh được'),
    });
  });

  it('CSV: a checkpoint line, a header row and one row per event, quoted where needed', async () => {
    const file = path.join(dir, 'all.csv');
    const result = await exportTo(dataSource, log, file, 'csv', { action: 'transfer.push' });
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# {"kind":"baocao-gateway/audit-export@1"')).toBe(true);
    expect(text.split('\n')[1]).toBe(
      'seq,occurred_at,actor,action,unit_code,form_code,period_id,transfer_id,outcome,request_sha256,response_sha256,bodies,reason,details,prev_hash,hash',
    );
    expect(result.events).toBe(40);
    // The bodies cell is JSON, whose quotes CSV doubles: "{""request"":{…""ngoặc kép\""…}}".
    expect(text).toContain('\\""ngoặc kép\\""');
    expect(text).toMatch(/,"\{""request"":/);
  });

  it('the CLI verifies the database and the script verifies a file, with exit codes', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      DATABASE_URL: url,
      AUDIT_SIGNING_KEY: keyPem,
    };
    const cli = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'src/cli/cli.ts', ...args],
        { cwd: root, env, encoding: 'utf8' },
      );
    const verified = cli('audit', 'verify');
    expect(verified.status).toBe(0);
    expect(verified.stdout).toMatch(/^HỢP LỆ \[AUDIT_CHAIN_OK\]: \d+ sự kiện đã kiểm tra/);
    const script = (file: string) =>
      spawnSync(
        process.execPath,
        [
          '-r',
          'ts-node/register/transpile-only',
          'scripts/verify-audit-export.ts',
          file,
          publicKeyFile,
        ],
        { cwd: root, encoding: 'utf8' },
      );
    expect(script(path.join(dir, 'all.jsonl'))).toMatchObject({
      status: 0,
      stdout: expect.stringContaining('HỢP LỆ [EXPORT_INTACT]: Chuỗi đầy đủ 40 sự kiện'),
    });
    expect(script(path.join(dir, 'altered.jsonl'))).toMatchObject({
      status: 1,
      stdout: expect.stringContaining('HỎNG [EVENT_ALTERED]'),
    });

    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query("SET session_replication_role = 'replica'");
    await client.query("UPDATE audit_event SET reason = 'sửa' WHERE seq = 3");
    await client.end();
    const broken = cli('audit', 'verify');
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain('HỎNG [EVENT_ALTERED] tại sự kiện 3');
  });
});

describe('retention: archiving old events', () => {
  it('moves old signed events to a file that verifies offline, and the database chain verifies across the boundary', async () => {
    const url = await freshDatabaseUrl({ fromTemplate: true });
    const dataSource = await new DataSource(dataSourceOptions(url, 3)).initialize();
    try {
      const log = new AuditLog(dataSource, signer, { checkpointEvery: 1000 });
      const old = new Date(Date.now() - 400 * 86_400_000);
      await log.recordMany(
        Array.from({ length: 30 }, (_, index) => ({
          actor: 'schedule',
          action: 'transfer.push',
          outcome: 'ok',
          occurredAt: new Date(old.getTime() + index * 1000),
        })),
      );
      await log.recordMany(
        Array.from({ length: 10 }, () => ({
          actor: 'schedule',
          action: 'transfer.confirm',
          outcome: 'ok',
        })),
      );
      await log.flush();
      const archiveDir = path.join(dir, 'archive');
      const outcome = await archiveAudit(dataSource, log, {
        before: new Date(Date.now() - 365 * 86_400_000),
        directory: archiveDir,
        actor: 'cli:test',
      });
      expect(outcome).toMatchObject({ fromSeq: '1', toSeq: '30', events: 30 });
      const remaining = await dataSource.query<Array<{ first: string; count: number }>>(
        'SELECT min(seq) AS first, count(*)::int AS count FROM audit_event',
      );
      expect(remaining[0]).toEqual({ first: '31', count: 11 });
      expect(
        await verifyAuditChain(dataSource, { trustedKeys: [signer.publicKeyPem] }),
      ).toMatchObject({ ok: true, from: '30', events: 11 });
      expect(await verifyExportFile(outcome!.file, signer.publicKeyPem)).toMatchObject({
        ok: true,
        complete: true,
        events: 30,
      });
      const [archived] = await dataSource.query<Array<{ details: { fileSha256: string } }>>(
        "SELECT details::json AS details FROM audit_event WHERE action = 'audit.archive'",
      );
      expect(archived.details.fileSha256).toBe(outcome!.fileSha256);
      await expect(dataSource.query('DELETE FROM audit_event WHERE seq = 31')).rejects.toThrow(
        /append-only/,
      );
      await expect(
        dataSource.transaction(async (manager) => {
          await manager.query("SELECT set_config('baocao.audit_archive_id', $1, true)", [
            outcome!.archiveId,
          ]);
          await manager.query('DELETE FROM audit_event WHERE seq = 35');
        }),
      ).rejects.toThrow(/append-only/);
      await expect(dataSource.query('DELETE FROM audit_archive')).rejects.toThrow(/append-only/);
    } finally {
      await dataSource.destroy();
    }
  });
});
