import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { EmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrationsLocked } from '../src/database/migrations';
import { signInThroughSso } from '../test/support/browser';
import { startConsoleGateway } from '../test/support/console-gateway';
import { seedNationUnits } from './support';

const GOAL_P95_MS = 200;

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

/**
 * The console at a million transfers: the nation's units (about 4,000) and their three forms for
 * 84 quarters (1,008,000 transfers), then the board and the transfer list (first page, filters, a
 * deep keyset page) through a signed-in session over HTTP, each timed 100 times after a warm-up.
 * Goal: 95th percentile under 200 ms.
 */
export async function consoleBench(
  quarters = Number(process.env.CONSOLE_BENCH_QUARTERS ?? 84),
  rounds = Number(process.env.CONSOLE_BENCH_ROUNDS ?? 100),
): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-bench-console-'));
  const server = await EmbeddedPostgres.start({ dataDir: dir, ephemeral: true, database: 'bench' });
  const seeding = await new DataSource(dataSourceOptions(server.url, 2)).initialize();
  const figures: Record<string, number> = {};
  try {
    await runMigrationsLocked(seeding);
    await seedNationUnits(seeding);
    const started = process.hrtime.bigint();
    // Quarters ending with 2026-Q4; in each, every unit's three forms, mostly confirmed.
    await seeding.query(
      `INSERT INTO transfer (id, period_id, unit_code, form_code, level, regime_code, state, version,
                             content_key, attempts, confirmed_at, created_at, updated_at)
       SELECT gen_random_uuid(), q.period, u.office_code, f.form, u.level, 'TT-05-2025-VPCP',
              CASE WHEN r < 0.02 THEN 'invalid' WHEN r < 0.05 THEN 'failed'
                   WHEN r < 0.08 THEN 'mapped' ELSE 'confirmed' END,
              1, md5(q.period || u.office_code || f.form), 0,
              CASE WHEN r >= 0.08 THEN q.ends - interval '2 days' END, q.ends - interval '10 days', q.ends
         FROM (SELECT (2026 - (n / 4))::text || '-Q' || (4 - n % 4)::text AS period,
                      make_timestamptz(2026 - n / 4, 3 * (4 - n % 4), 15, 0, 0, 0, 'Asia/Ho_Chi_Minh') AS ends
                 FROM generate_series(0, $1 - 1) AS n) q
        CROSS JOIN (SELECT office_code, level FROM provincial_unit) u
        CROSS JOIN unnest(ARRAY['II.05a/VPCP/KSTT', 'II.06a/VPCP/KSTT', 'II.01-ĐC/VPCP/KSTT']) AS f(form)
        CROSS JOIN LATERAL (SELECT random() AS r) AS chance`,
      [quarters],
    );
    await seeding.query('ANALYZE');
    const [{ count }] = await seeding.query<Array<{ count: number }>>(
      'SELECT count(*)::int AS count FROM transfer',
    );
    figures.consoleTransfers = count;
    figures.consoleSeedSeconds = Number(
      (Number(process.hrtime.bigint() - started) / 1e9).toFixed(1),
    );
    const [deep] = await seeding.query<Array<{ id: string }>>(
      'SELECT id FROM transfer ORDER BY period_id, unit_code, form_code OFFSET $1 LIMIT 1',
      [Math.floor(count / 2)],
    );
    const [oneUnit] = await seeding.query<Array<{ unit_code: string }>>(
      `SELECT unit_code FROM transfer WHERE period_id = '2026-Q4' LIMIT 1`,
    );
    await seeding.destroy();

    const { sims, base, browser, stop } = await startConsoleGateway(server.url, {
      TRANSFERS_WORKERS: 'false',
      SERVER_RATE_LIMIT_PER_MINUTE: '0',
    });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const operator = sims.credentials.people.find((person) => person.role === 'operator')!;
      await signInThroughSso(page, base, operator, '/transfers');
      const cookie = (await context.cookies(base))
        .filter((candidate) => candidate.name === 'baocao_session')
        .map((candidate) => `${candidate.name}=${candidate.value}`)
        .join('; ');
      await browser.close();

      const pages: Record<string, string> = {
        Board: '/?period=2026-Q4',
        BoardGroup: '/board/2026-Q4/~communes?category=failed',
        List: '/transfers',
        ListByState: '/transfers?status=failed',
        ListByPeriod: '/transfers?period=2026-Q4',
        ListByUnit: `/transfers?unit=${oneUnit.unit_code}`,
        ListByForm: '/transfers?form=II.06a%2FVPCP%2FKSTT&level=commune',
        ListDeepPage: `/transfers?after=${deep.id}`,
      };
      for (const [name, url] of Object.entries(pages)) {
        const times: number[] = [];
        for (let round = 0; round < rounds + 5; round++) {
          const begun = process.hrtime.bigint();
          const response = await fetch(`${base}${url}`, { headers: { cookie } });
          await response.text();
          if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
          if (round >= 5) times.push(Number(process.hrtime.bigint() - begun) / 1e6);
        }
        times.sort((a, b) => a - b);
        figures[`console${name}P50Ms`] = Number(percentile(times, 0.5).toFixed(1));
        figures[`console${name}P95Ms`] = Number(percentile(times, 0.95).toFixed(1));
      }
      figures.consoleGoalP95Ms = GOAL_P95_MS;
    } finally {
      await stop();
    }
  } finally {
    if (seeding.isInitialized) await seeding.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
