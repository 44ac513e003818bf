import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { Deadlines } from '../src/catalog/deadlines';
import { FormCatalogue } from '../src/catalog/forms';
import { parsePeriod } from '../src/catalog/periods';
import { dataSourceOptions } from '../src/database/data-source-options';
import { EmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrationsLocked } from '../src/database/migrations';
import { BoardQuery } from '../src/transfers/board-query';
import { bieuWorkbook } from '../src/workbooks/bieu-workbook';
import { writeComplianceWorkbook } from '../src/workbooks/compliance-workbook';
import { goldenII06a } from '../test/support/golden-packets';
import { seedNationUnits } from './support';

const PERIOD = '2026-Q4';

/** Counts the bytes written and drops them: the bench measures making the file, not the disk. */
class Counter extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.bytes += chunk.length;
    done();
  }
}

/**
 * Workbooks: one unit's II.06a (median of 50, written to memory), and the compliance workbook of
 * a nation-sized quarter (about 4,000 units × their forms, every line with its approval and
 * confirmation, invalid ones with problems) against one province's, with the growth of this
 * process' resident memory while each is written: flat memory means the nation's growth stays
 * near the province's although it has some 30 times the lines.
 */
export async function workbooksBench(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};

  const { form, packet } = goldenII06a();
  const times: number[] = [];
  for (let round = 0; round < 55; round++) {
    const begun = process.hrtime.bigint();
    await bieuWorkbook(
      {
        form,
        packet,
        period: parsePeriod(packet.header.periodId),
        unit: { code: 'QNG-X-001', name: 'Xã 1 (demo)', level: 'commune', parentName: null },
        stamp: { kind: 'confirmed', submissionId: 'VPCP-1', confirmedAt: new Date() },
        dated: new Date(),
      },
      { province: 'Ủy ban nhân dân tỉnh Quảng Ngãi', place: 'Quảng Ngãi' },
    ).xlsx.writeBuffer();
    if (round >= 5) times.push(Number(process.hrtime.bigint() - begun) / 1e6);
  }
  times.sort((a, b) => a - b);
  figures.workbookUnitMedianMs = Number(times[times.length >> 1].toFixed(1));

  const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-bench-workbooks-'));
  const server = await EmbeddedPostgres.start({ dataDir: dir, ephemeral: true, database: 'bench' });
  const dataSource = await new DataSource(dataSourceOptions(server.url, 4)).initialize();
  try {
    await runMigrationsLocked(dataSource);
    const units = await seedNationUnits(dataSource);
    await dataSource.query(
      `INSERT INTO report_intake (period_id, report_id, unit_code, report_status, approved_at, outcome, reason, seen_at)
       SELECT $1, 'R-' || office_code, office_code, 'approved', now() - interval '5 days', 'planned', NULL, now()
         FROM provincial_unit`,
      [PERIOD],
    );
    await dataSource.query(
      `INSERT INTO transfer (id, period_id, unit_code, form_code, level, regime_code, state, version,
                             content_key, attempts, confirmed_at, submission_id, problems, created_at, updated_at)
       SELECT gen_random_uuid(), $1, u.office_code, f.form, u.level, 'TT-05-2025-VPCP',
              CASE WHEN r < 0.03 THEN 'invalid' WHEN r < 0.05 THEN 'failed' ELSE 'confirmed' END,
              1, md5(u.office_code || f.form), 0,
              CASE WHEN r >= 0.05 THEN now() - interval '2 days' END,
              CASE WHEN r >= 0.05 THEN 'NS-' || md5(u.office_code || f.form) END,
              CASE WHEN r < 0.03 THEN jsonb_build_array(jsonb_build_object(
                'field', 'rows[LV-HOTICH].c3', 'message', 'Cột 3 phải bằng cột 4 + 5 + 6',
                'severity', 'error')) ELSE '[]'::jsonb END,
              now(), now()
         FROM provincial_unit u
        CROSS JOIN unnest(ARRAY['II.05a/VPCP/KSTT', 'II.06a/VPCP/KSTT', 'II.01-ĐC/VPCP/KSTT']) AS f(form)
        CROSS JOIN LATERAL (SELECT random() AS r) AS chance`,
      [PERIOD],
    );
    await dataSource.query('ANALYZE');
    const board = new BoardQuery(dataSource, FormCatalogue.load(), Deadlines.load(), 3);
    const province = units.find((unit) => unit.level === 'commune')!.parentCode!;
    for (const [name, scope] of [
      ['Province', { kind: 'district' as const, code: province }],
      ['Nation', undefined],
    ] as const) {
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 20);
      const out = new Counter();
      const begun = process.hrtime.bigint();
      const lines = await board.compliance(PERIOD, scope, async (summary, cells) => {
        await writeComplianceWorkbook(
          {
            period: parsePeriod(PERIOD),
            board: summary,
            cells,
            madeAt: new Date(),
            madeBy: 'bench',
          },
          out,
        );
        return summary.totals.total;
      });
      const seconds = Number(process.hrtime.bigint() - begun) / 1e9;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      figures[`workbookCompliance${name}Lines`] = lines;
      figures[`workbookCompliance${name}Seconds`] = Number(seconds.toFixed(2));
      figures[`workbookCompliance${name}KiB`] = Math.round(out.bytes / 1024);
      figures[`workbookCompliance${name}RssGrowthMiB`] = Number(
        ((peak - before) / 2 ** 20).toFixed(1),
      );
    }
  } finally {
    await dataSource.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
