import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { createGateway } from '../src/bootstrap';
import { loadConfig } from '../src/config/load-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { EmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrationsLocked } from '../src/database/migrations';
import { auditPageStatement } from '../src/audit/audit-query';
import type { TransferFilters } from '../src/transfers/dto/transfer-requests';
import { transferPageStatement } from '../src/transfers/transfer-query';
import { startSimulators } from '../src/simulators/simulators';
import { personToken, simulatorGatewayEnv } from '../test/support/gateway-env';
import { seedNationUnits } from './support';

const GOAL_P99_MS = 50;
/** The indexes the ListsAtAMillion migration adds. */
const MIGRATION_INDEXES = [
  'transfer_state_order',
  'transfer_unit_order',
  'transfer_form_order',
  'transfer_level_order',
  'discrepancy_transfer',
  'audit_event_unit_seq',
  'audit_event_unit_period_seq',
];
const FORMS = ['II.05a/VPCP/KSTT', 'II.06a/VPCP/KSTT', 'II.01-ĐC/VPCP/KSTT'];
const ACTIONS = ['transfer.map', 'transfer.push', 'transfer.submit', 'transfer.confirm'];

interface SeededTransfer {
  id: string;
  periodId: string;
  unitCode: string;
  formCode: string;
  state: string;
}

/** Quarters back from 2026-Q4: '2026-Q4', '2026-Q3', … */
function quarter(back: number): { id: string; ends: Date } {
  const year = 2026 - Math.floor(back / 4);
  const number = 4 - (back % 4);
  // A quarter of the national regime ends on the 14th of its last month, Vietnam time.
  return { id: `${year}-Q${number}`, ends: new Date(Date.UTC(year, 3 * number - 1, 14, 17)) };
}

function stateOf(chance: number): string {
  if (chance < 0.005) return 'pushing';
  if (chance < 0.02) return 'invalid';
  if (chance < 0.05) return 'failed';
  if (chance < 0.08) return 'mapped';
  return 'confirmed';
}

/** A deterministic stream of numbers in [0, 1), so two runs seed the same mix. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const hex64 = (index: number) => index.toString(16).padStart(64, '0');

/** COPY … FROM STDIN in text format, the lines coming from a generator in chunks. */
async function copyIn(url: string, sql: string, lines: () => Iterable<string>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await pipeline(
      Readable.from(
        (function* () {
          let chunk = '';
          let count = 0;
          for (const line of lines()) {
            chunk += line;
            if (++count === 2000) {
              yield chunk;
              chunk = '';
              count = 0;
            }
          }
          if (chunk) yield chunk;
        })(),
      ),
      client.query(copyFrom(sql)),
    );
  } finally {
    await client.end();
  }
}

interface Query {
  token: string;
  url: (round: number) => string;
  /** The statements the gateway runs for it, to EXPLAIN. */
  statements: (round: number) => Array<{ sql: string; parameters: unknown[] }>;
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** A plan in one line: each node, with its index or table, the nodes under it in brackets. */
function planOf(node: PlanNode): string {
  const on = node['Index Name'] ?? node['Relation Name'];
  const children = (node.Plans ?? []).map(planOf);
  return `${node['Node Type']}${on ? ` ${on}` : ''}${children.length ? ` (${children.join('; ')})` : ''}`;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1)];
}

/**
 * The gateway at a million transfers and ten million audit events: the nation's units and their
 * three forms for as many quarters as make `transfers` (each with its content version and three
 * attempts), the audit trail's events for them, all COPYed in. Then, over HTTP with a person's
 * token, 200 times each after a warm-up: the operator's transfer list (first page and each
 * filter, a deep keyset page), one transfer's page, the audit query by unit and period. The
 * units, transfers and pages asked for change from one call to the next. Goal (#18): p99 under
 * 50 ms each.
 */
export async function millionBench(
  transferCount = Number(process.env.MILLION_BENCH_TRANSFERS ?? 1_000_000),
  eventCount = Number(process.env.MILLION_BENCH_EVENTS ?? 10_000_000),
  rounds = Number(process.env.MILLION_BENCH_ROUNDS ?? 200),
): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-bench-million-'));
  const server = await EmbeddedPostgres.start({ dataDir: dir, ephemeral: true, database: 'bench' });
  const figures: Record<string, number> = {};
  try {
    const seeding = await new DataSource(dataSourceOptions(server.url, 2)).initialize();
    await runMigrationsLocked(seeding);
    const units = await seedNationUnits(seeding);
    await seeding.destroy();

    // Transfers, quarter by quarter back from 2026-Q4, until there are transferCount of them.
    let started = process.hrtime.bigint();
    const random = seeded(18);
    const transfers: SeededTransfer[] = [];
    const lines: string[] = [];
    for (let back = 0; transfers.length < transferCount; back++) {
      const { id: periodId, ends } = quarter(back);
      for (const unit of units)
        for (const formCode of FORMS) {
          if (transfers.length === transferCount) break;
          const state = stateOf(random());
          const transfer = {
            id: randomUUID(),
            periodId,
            unitCode: unit.officeCode,
            formCode,
            state,
          };
          transfers.push(transfer);
          const confirmed = state === 'confirmed';
          const updated = new Date(ends.getTime() + 86_400_000 * (1 + random() * 20));
          lines.push(
            [
              transfer.id,
              periodId,
              unit.officeCode,
              formCode,
              unit.level,
              'TT-05-2025-VPCP',
              state,
              1,
              hex64(transfers.length),
              'provincial-to-national@3',
              JSON.stringify({ header: { unitCode: unit.officeCode, formCode, periodId } }),
              state === 'invalid'
                ? JSON.stringify([{ code: 'RULE_BROKEN', field: 'body.rows[0].cells.3' }])
                : '[]',
              confirmed ? `NS-${transfers.length}` : '\\N',
              confirmed ? 'confirmed' : '\\N',
              state === 'failed' ? 'submit' : '\\N',
              confirmed ? 3 : state === 'failed' ? 5 : 0,
              state === 'failed' ? updated.toISOString() : '\\N',
              state === 'failed' ? JSON.stringify({ code: 'NATIONAL_UNAVAILABLE' }) : '\\N',
              confirmed ? updated.toISOString() : '\\N',
              ends.toISOString(),
              updated.toISOString(),
            ].join('\t') + '\n',
          );
        }
    }
    await copyIn(
      server.url,
      `COPY transfer (id, period_id, unit_code, form_code, level, regime_code, state, version,
                      content_key, mapping_version, payload, problems, submission_id,
                      national_status, step, attempts, next_attempt_at, last_error, confirmed_at,
                      created_at, updated_at) FROM STDIN`,
      () => lines.values(),
    );
    lines.length = 0;
    const extra = await new DataSource(dataSourceOptions(server.url, 2)).initialize();
    // Each transfer's content version and three attempts (map, submit, confirm), made in place.
    await extra.query(
      `INSERT INTO transfer_version (transfer_id, version, content_key, payload, valid, created_at)
       SELECT id, 1, content_key, payload, state <> 'invalid', created_at FROM transfer`,
    );
    await extra.query(
      `INSERT INTO transfer_attempt (id, transfer_id, version, step, account, started_at,
                                     finished_at, outcome, http_status, request, response)
       SELECT gen_random_uuid(), t.id, 1, s.step, t.unit_code, t.created_at + s.at,
              t.created_at + s.at + interval '80 milliseconds', 'ok', 200,
              jsonb_build_object('step', s.step), jsonb_build_object('status', 'ok')
         FROM transfer t
        CROSS JOIN (VALUES ('submit', interval '1 hour'), ('sign', interval '61 minutes'),
                           ('confirm', interval '2 hours')) AS s(step, at)`,
    );
    // Reconciliation's findings, for one transfer in 256.
    await extra.query(
      `INSERT INTO discrepancy (id, period_id, unit_code, form_code, transfer_id, kind, details,
                                status, detected_at)
       SELECT gen_random_uuid(), period_id, unit_code, form_code, id, 'different',
              '{"fields": []}', 'resolved', updated_at
         FROM transfer WHERE content_key LIKE '%00'`,
    );
    figures['million.transfers'] = transfers.length;
    figures['million.transferSeedSeconds'] = Number(
      (Number(process.hrtime.bigint() - started) / 1e9).toFixed(1),
    );

    // The audit trail: events of the transfers in chain order, spread over their quarters.
    started = process.hrtime.bigint();
    const perTransfer = eventCount / transfers.length;
    await copyIn(
      server.url,
      `COPY audit_event (seq, occurred_at, chained_at, actor, action, unit_code, form_code,
                         period_id, transfer_id, outcome, request_sha256, response_sha256,
                         prev_hash, hash) FROM STDIN`,
      function* () {
        const base = Date.UTC(2005, 0, 1);
        const span = Date.UTC(2027, 0, 1) - base;
        // Oldest quarter first: seq grows with time, as the chain does.
        for (let seq = 1; seq <= eventCount; seq++) {
          const index = transfers.length - 1 - Math.floor((seq - 1) / perTransfer);
          const transfer = transfers[index];
          const at = new Date(base + (span * seq) / eventCount).toISOString();
          yield `${seq}\t${at}\t${at}\t${seq % 5 ? 'schedule' : 'vanthu@quangngai.gov.vn'}\t${
            ACTIONS[seq % ACTIONS.length]
          }\t${transfer.unitCode}\t${transfer.formCode}\t${transfer.periodId}\t${transfer.id}\t${
            seq % 29 ? 'ok' : 'failed'
          }\t${hex64(seq * 3)}\t${hex64(seq * 7)}\t${hex64(seq - 1)}\t${hex64(seq)}\n`;
        }
      },
    );
    // As a gateway that has run for a while: statistics known, visibility map set.
    await extra.query('VACUUM (ANALYZE)');
    figures['million.auditEvents'] = eventCount;
    figures['million.auditSeedSeconds'] = Number(
      (Number(process.hrtime.bigint() - started) / 1e9).toFixed(1),
    );
    // What the ListsAtAMillion migration would hold writes for on a gateway this size: its
    // indexes built again, one after the other.
    started = process.hrtime.bigint();
    for (const index of MIGRATION_INDEXES) await extra.query(`REINDEX INDEX ${index}`);
    figures['million.migrationIndexesSeconds'] = Number(
      (Number(process.hrtime.bigint() - started) / 1e9).toFixed(1),
    );
    await extra.destroy();

    // What the calls ask for, sampled; the million seeded transfers are let go before the
    // gateway is timed, so that this process's heap does not slow its collector.
    const draw = seeded(99);
    const sample = (list: SeededTransfer[]) =>
      Array.from({ length: 1000 }, () => list[Math.floor(draw() * list.length)]);
    const chosen = sample(transfers);
    const failed = sample(transfers.filter((transfer) => transfer.state === 'failed'));
    transfers.length = 0;
    (globalThis as { gc?: () => void }).gc?.();

    const sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
      redirectUris: ['http://127.0.0.1:9/callback'],
    });
    const config = loadConfig({
      env: {
        ...simulatorGatewayEnv(sims),
        LOG_LEVEL: 'warn',
        TRANSFERS_WORKERS: 'false',
        SERVER_RATE_LIMIT_PER_MINUTE: '0',
      },
    });
    const app = await createGateway({ config, databaseUrl: server.url });
    const reading = await new DataSource(dataSourceOptions(server.url, 1)).initialize();
    try {
      await app.listen(0, '127.0.0.1');
      const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const operator = await personToken(sims, (person) => person.role === 'operator');
      const auditor = await personToken(sims, (person) => person.role === 'auditor');

      const pick = <T>(list: T[], round: number) =>
        list[Math.floor(seeded(round + 1)() * list.length)];
      const communes = units.filter((unit) => unit.level === 'commune');
      // Each list: its filters and, for a deep page, the transfer to page after.
      const list = (filters: TransferFilters, after?: (round: number) => string): Query => ({
        token: operator,
        url: (round) => {
          const query = new URLSearchParams();
          if (filters.status) query.set('status', filters.status.join(','));
          if (filters.period) query.set('period', filters.period);
          if (filters.unit) query.set('unit', filters.unit.join(','));
          if (filters.form) query.set('form', filters.form);
          if (filters.level) query.set('level', filters.level);
          if (after) query.set('after', after(round));
          return `/api/transfers?${query.toString()}`;
        },
        statements: (round) => [transferPageStatement(filters, after?.(round), 100)],
      });
      const byRound = (make: (round: number) => Query): Query => ({
        token: operator,
        url: (round) => make(round).url(round),
        statements: (round) => make(round).statements(round),
      });
      const queries: Record<string, Query> = {
        List: list({}),
        ListDeepPage: list({}, (round) => pick(chosen, round).id),
        ListByState: list({ status: ['failed'] }),
        ListByStateDeepPage: list({ status: ['failed'] }, (round) => pick(failed, round).id),
        ListByRareState: list({ status: ['pushing'] }),
        ListByAbsentState: list({ status: ['unknown'] }),
        ListByPeriod: byRound((round) => list({ period: quarter(round % 40).id })),
        ListByUnit: byRound((round) => list({ unit: [pick(units, round).officeCode] })),
        ListByForm: list({ form: FORMS[1] }),
        ListByFormAndLevel: list({ form: FORMS[1], level: 'district' }),
        ListByLevel: list({ level: 'department' }),
        TransferPage: {
          token: operator,
          url: (round) => `/api/transfers/${pick(chosen, round).id}`,
          statements: (round) =>
            [
              'SELECT * FROM transfer WHERE id = $1',
              'SELECT * FROM transfer_attempt WHERE transfer_id = $1 ORDER BY started_at',
              'SELECT * FROM transfer_version WHERE transfer_id = $1 ORDER BY version',
              'SELECT * FROM discrepancy WHERE transfer_id = $1 ORDER BY detected_at',
            ].map((sql) => ({ sql, parameters: [pick(chosen, round).id] })),
        },
        AuditByUnitAndPeriod: {
          token: auditor,
          url: (round) => {
            const transfer = pick(chosen, round);
            return `/api/audit/events?unit=${transfer.unitCode}&period=${transfer.periodId}`;
          },
          statements: (round) => {
            const transfer = pick(chosen, round);
            return [
              auditPageStatement(
                { unitCode: transfer.unitCode, periodId: transfer.periodId },
                undefined,
                100,
              ),
            ];
          },
        },
        AuditByUnit: {
          token: auditor,
          url: (round) => `/api/audit/events?unit=${pick(communes, round).officeCode}`,
          statements: (round) => [
            auditPageStatement({ unitCode: pick(communes, round).officeCode }, undefined, 100),
          ],
        },
      };
      for (const [name, query] of Object.entries(queries)) {
        const times: number[] = [];
        for (let round = 0; round < rounds + 10; round++) {
          const url = `${base}${query.url(round)}`;
          const begun = process.hrtime.bigint();
          const response = await fetch(url, {
            headers: { authorization: `Bearer ${query.token}` },
          });
          const body = await response.text();
          if (response.status !== 200)
            throw new Error(`${url} answered ${response.status}: ${body}`);
          if (round >= 10) times.push(Number(process.hrtime.bigint() - begun) / 1e6);
        }
        times.sort((a, b) => a - b);
        figures[`million.${name}.p50Ms`] = Number(percentile(times, 0.5).toFixed(1));
        figures[`million.${name}.p99Ms`] = Number(percentile(times, 0.99).toFixed(1));
        // The plan of what was asked, as docs/performance.md names it.
        for (const statement of query.statements(0)) {
          const [{ 'QUERY PLAN': plan }] = await reading.query<
            Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>
          >(`EXPLAIN (FORMAT JSON) ${statement.sql}`, statement.parameters);
          process.stderr.write(`plan\t${name}\t${planOf(plan[0].Plan)}\n`);
        }
      }
      figures['million.goalP99Ms'] = GOAL_P99_MS;
      const p99s = Object.entries(figures).filter(([key]) => key.endsWith('.p99Ms'));
      figures['million.worstP99Ms'] = Math.max(...p99s.map(([, value]) => value));
      figures['million.goalRatio(50ms/worst p99)'] = Number(
        (GOAL_P99_MS / figures['million.worstP99Ms']).toFixed(2),
      );
    } finally {
      await reading.destroy();
      await app.close();
      await sims.stop();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
