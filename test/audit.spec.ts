import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditLog, ScrubbedBodies, type AuditEventInput } from '../src/audit/audit-log';
import { AuditSigner } from '../src/audit/audit-signer';
import { canonicalText, eventHash, GENESIS_HASH, sha256Hex } from '../src/audit/audit-chain';
import { canonicalJson } from '../src/common/canonical-json';
import { scrub } from '../src/logging/redact';
import fc from 'fast-check';
import { contentOf, verifyAuditChain, type EventRow } from '../src/audit/audit-verifier';
import { dataSourceOptions } from '../src/database/data-source-options';
import { freshDatabaseUrl } from './support/database';
import { startTestGateway } from './support/gateway';

async function openLog(url: string, signer: AuditSigner, checkpointEvery = 10) {
  const dataSource = await new DataSource(dataSourceOptions(url, 4)).initialize();
  return { dataSource, log: new AuditLog(dataSource, signer, { checkpointEvery, batchSize: 7 }) };
}

/** A superuser session with triggers off: what an administrator bent on tampering could do. */
async function tamper(url: string, ...statements: string[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET session_replication_role = 'replica'");
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

const event = (index: number): AuditEventInput => ({
  actor: index % 2 ? 'schedule' : 'vanthu@quangngai.gov.vn',
  action: 'transfer.push',
  outcome: index % 5 ? 'ok' : 'failed',
  unitCode: `QNG-X-${String(index % 96).padStart(3, '0')}`,
  formCode: 'II.06a/VPCP/KSTT',
  periodId: '2026-Q4',
  request: {
    header: { unitCode: 'QNG-X-001' },
    authorization: 'Bearer secret-token-value',
    n: index,
  },
  response: { status: 'draft', submissionId: `NS-${index}` },
  reason: index % 7 ? null : 'Kiểm tra lại số liệu',
});

describe('audit trail', () => {
  const signer = AuditSigner.generate();
  const trustedKeys = [signer.publicKeyPem];

  it('chains recorded events in order, with signed checkpoints, and verifies', async () => {
    const { dataSource, log } = await openLog(
      await freshDatabaseUrl({ fromTemplate: true }),
      signer,
    );
    try {
      for (let index = 0; index < 25; index++) await log.record(event(index));
      expect(await log.flush()).toBe(25);
      const rows = await dataSource.query<
        Array<{ seq: string; bodies: { request: { authorization: string } } }>
      >('SELECT seq, bodies::json AS bodies FROM audit_event ORDER BY seq');
      expect(rows.map((row) => Number(row.seq))).toEqual(
        Array.from({ length: 25 }, (_, index) => index + 1),
      );
      expect(rows[0].bodies.request.authorization).toBe('[redacted]');
      const checkpoints = await dataSource.query<Array<{ seq: string }>>(
        'SELECT seq FROM audit_checkpoint ORDER BY seq',
      );
      // A checkpoint closes the batch in which every tenth event was chained (batches of 7 here).
      expect(checkpoints.map((checkpoint) => checkpoint.seq)).toEqual(['14', '21']);
      expect(await verifyAuditChain(dataSource, { trustedKeys })).toMatchObject({
        ok: true,
        events: 25,
        checkpointsChecked: 2,
      });
      expect(
        await verifyAuditChain(dataSource, { trustedKeys, fromCheckpoint: true }),
      ).toMatchObject({ ok: true, events: 4, from: '21' });
      expect(
        await verifyAuditChain(dataSource, { trustedKeys: [AuditSigner.generate().publicKeyPem] }),
      ).toMatchObject({
        ok: false,
        code: 'CHECKPOINT_KEY_UNTRUSTED',
        reason: expect.stringContaining('không phải khóa được tin cậy'),
      });
    } finally {
      await dataSource.destroy();
    }
  });

  it('bodies scrubbed and hashed once (ScrubbedBodies) are kept as the same bodies given plainly', async () => {
    const { dataSource, log } = await openLog(
      await freshDatabaseUrl({ fromTemplate: true }),
      signer,
    );
    try {
      const plain = event(3);
      const bodies = ScrubbedBodies.of(plain.request, plain.response);
      expect(bodies.requestJson).not.toContain('secret-token-value');
      expect(JSON.parse(bodies.requestJson!)).toEqual(scrub(plain.request));
      await log.record(plain);
      await log.record({ ...plain, request: undefined, response: undefined, bodies });
      await log.record({ ...plain, request: undefined, response: undefined });
      expect(await log.flush()).toBe(3);
      const rows = await dataSource.query<
        Array<{ request: string | null; response: string | null; bodies: string | null }>
      >(
        `SELECT request_sha256 AS request, response_sha256 AS response, bodies
           FROM audit_event ORDER BY seq`,
      );
      expect(rows[1]).toEqual(rows[0]);
      expect(rows[0].request).toBe(bodies.requestSha256);
      expect(rows[0].response).toBe(bodies.responseSha256);
      expect(rows[2]).toEqual({ request: null, response: null, bodies: null });
      expect(await verifyAuditChain(dataSource, { trustedKeys })).toMatchObject({
        ok: true,
        events: 3,
      });
    } finally {
      await dataSource.destroy();
    }
  });

  it('a pending row written by a statement keeps its bodies in their own column, chained as record() chains them', async () => {
    const { dataSource, log } = await openLog(
      await freshDatabaseUrl({ fromTemplate: true }),
      signer,
    );
    try {
      const plain = { ...event(4), request: { packet: 'gói "số" 1', rows: [1, 2.5, null] } };
      await log.record(plain);
      const [at, eventJson, bodies] = log.pendingRow(plain);
      expect(bodies).toBe(ScrubbedBodies.of(plain.request, plain.response).canonical);
      await dataSource.query(
        'INSERT INTO audit_pending (occurred_at, event, bodies) VALUES ($1, $2::jsonb, $3)',
        [at, eventJson, bodies],
      );
      const [pending] = await dataSource.query<Array<{ inEvent: unknown; bodies: string }>>(
        `SELECT event->'bodies' AS "inEvent", bodies FROM audit_pending ORDER BY id DESC LIMIT 1`,
      );
      expect(pending).toEqual({ inEvent: null, bodies });
      expect(await log.flush()).toBe(2);
      const rows = await dataSource.query<Array<Record<string, string | null>>>(
        `SELECT actor, action, request_sha256, response_sha256, bodies, details
           FROM audit_event ORDER BY seq`,
      );
      expect(rows[1]).toEqual(rows[0]);
      expect(rows[0].bodies).toBe(bodies);
      expect(await verifyAuditChain(dataSource, { trustedKeys })).toMatchObject({
        ok: true,
        events: 2,
      });
    } finally {
      await dataSource.destroy();
    }
  });

  it("ScrubbedBodies' canonical text is canonicalJson of the bodies kept, each hash of its body", () => {
    const body = fc.option(fc.oneof(fc.jsonValue(), fc.string({ unit: 'binary' })), {
      nil: undefined,
    });
    fc.assert(
      fc.property(body, body, fc.boolean(), (request, response, asGiven) => {
        const bodies = asGiven
          ? ScrubbedBodies.of(request, response)
          : ScrubbedBodies.ofEvent({ request, response });
        // Given plainly, a null body is none; an event's own null body is kept.
        const keep = (one: unknown) =>
          one === undefined || (asGiven && one === null) ? undefined : scrub(one);
        const kept = {
          ...(keep(request) !== undefined ? { request: keep(request) } : {}),
          ...(keep(response) !== undefined ? { response: keep(response) } : {}),
        };
        expect(bodies.canonical).toBe(canonicalText(Object.keys(kept).length ? kept : null));
        expect(bodies.requestJson).toBe(
          kept.request === undefined ? null : canonicalJson(kept.request),
        );
        expect(bodies.responseJson).toBe(
          kept.response === undefined ? null : canonicalJson(kept.response),
        );
        expect(bodies.requestSha256).toBe(
          kept.request === undefined ? null : sha256Hex(kept.request),
        );
        expect(bodies.responseSha256).toBe(
          kept.response === undefined ? null : sha256Hex(kept.response),
        );
      }),
    );
  });

  it('events pending from before bodies were kept as canonical text chain as they did', async () => {
    const { dataSource, log } = await openLog(
      await freshDatabaseUrl({ fromTemplate: true }),
      signer,
    );
    try {
      // As the code before wrote a pending event: the bodies as an object, in jsonb.
      const bodies = { response: { b: 1, a: 'x"y' }, request: { z: [1.5, null], é: 'ư' } };
      await dataSource.query('INSERT INTO audit_pending (occurred_at, event) VALUES ($1, $2)', [
        new Date('2026-11-30T01:02:03.456Z'),
        JSON.stringify({
          actor: 'schedule',
          action: 'transfer.push',
          unitCode: 'QNG-X-001',
          formCode: null,
          periodId: '2026-Q4',
          transferId: null,
          outcome: 'ok',
          requestSha256: sha256Hex(bodies.request),
          responseSha256: sha256Hex(bodies.response),
          bodies,
          reason: null,
          details: { version: 2, correction: true },
        }),
      ]);
      await log.record({ ...event(1), details: { version: 2, correction: true } });
      expect(await log.flush()).toBe(2);
      const rows = await dataSource.query<
        Array<{ occurred_at: string; bodies: string; details: string }>
      >(
        `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at,
                bodies, details FROM audit_event ORDER BY seq`,
      );
      expect(rows[0]).toEqual({
        occurred_at: '2026-11-30T01:02:03.456Z',
        bodies: canonicalJson(bodies),
        details: '{"correction":true,"version":2}',
      });
      expect(rows[1].details).toBe('{"correction":true,"version":2}');
      expect(await verifyAuditChain(dataSource, { trustedKeys })).toMatchObject({
        ok: true,
        events: 2,
      });
    } finally {
      await dataSource.destroy();
    }
  });

  it('two replicas recording and flushing at once make one gapless chain', async () => {
    const url = await freshDatabaseUrl({ fromTemplate: true });
    const first = await openLog(url, signer, 50);
    const second = await openLog(url, signer, 50);
    try {
      await Promise.all([
        (async () => {
          for (let index = 0; index < 60; index++) {
            await first.log.record(event(index));
            if (index % 9 === 0) await first.log.flush();
          }
        })(),
        (async () => {
          for (let index = 0; index < 60; index++) {
            await second.log.record(event(index + 100));
            if (index % 7 === 0) await second.log.flush();
          }
        })(),
      ]);
      await Promise.all([first.log.flush(), second.log.flush()]);
      expect(await verifyAuditChain(first.dataSource, { trustedKeys })).toMatchObject({
        ok: true,
        events: 120,
      });
      expect(await first.dataSource.query('SELECT count(*)::int AS n FROM audit_pending')).toEqual([
        { n: 0 },
      ]);
    } finally {
      await Promise.all([first.dataSource.destroy(), second.dataSource.destroy()]);
    }
  });

  it('events recorded at the same moment go in together, in the order recorded; one the database refuses fails alone', async () => {
    const { dataSource, log } = await openLog(
      await freshDatabaseUrl({ fromTemplate: true }),
      signer,
    );
    try {
      // How many events each INSERT into audit_pending carried.
      const batches: number[] = [];
      const pool = (dataSource.driver as unknown as { master: { query: Function } }).master;
      const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
      pool.query = (...args: unknown[]) => {
        // A named prepared statement: one config object with its text and values.
        const config = args[0] as { text?: string; values?: string[] };
        if (config.text?.startsWith('INSERT INTO audit_pending'))
          batches.push((JSON.parse(config.values![0]) as unknown[]).length);
        return query(...args);
      };
      const round = (offset: number, refused?: number) =>
        Promise.allSettled(
          Array.from({ length: 40 }, (_, index) =>
            log.record(
              index === refused
                ? // jsonb cannot hold U+0000: the database refuses this one event.
                  { ...event(offset + index), reason: 'nul \u0000 here' }
                : event(offset + index),
            ),
          ),
        );
      const good = await round(0);
      expect(good.every((outcome) => outcome.status === 'fulfilled')).toBe(true);
      // The first went alone; the 39 that came while it was written, in one statement.
      expect(batches).toEqual([1, 39]);
      batches.length = 0;
      await new Promise((resolve) => setImmediate(resolve));
      const mixed = await round(40, 17);
      expect(mixed.map((outcome, index) => (outcome.status === 'rejected' ? index : -1))).toEqual(
        Array.from({ length: 40 }, (_, index) => (index === 17 ? 17 : -1)),
      );
      // The refused statement was tried again event by event.
      expect(batches).toEqual([1, 39, ...Array<number>(39).fill(1)]);
      await log.flush();
      const rows = await dataSource.query<Array<{ n: number }>>(
        `SELECT (bodies::json->'request'->>'n')::int AS n FROM audit_event ORDER BY seq`,
      );
      expect(rows.map((row) => row.n)).toEqual(
        Array.from({ length: 80 }, (_, index) => index).filter((index) => index !== 57),
      );
    } finally {
      await dataSource.destroy();
    }
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE of events and checkpoints', async () => {
    const { dataSource, log } = await openLog(
      await freshDatabaseUrl({ fromTemplate: true }),
      signer,
      2,
    );
    try {
      await log.recordMany([event(1), event(2), event(3)]);
      await log.flush();
      for (const statement of [
        "UPDATE audit_event SET outcome = 'ok' WHERE seq = 1",
        'DELETE FROM audit_event WHERE seq = 3',
        'TRUNCATE audit_event',
        "UPDATE audit_checkpoint SET hash = 'x'",
        'DELETE FROM audit_checkpoint',
        'TRUNCATE audit_checkpoint',
      ]) {
        await expect(dataSource.query(statement)).rejects.toThrow(/append-only/);
      }
      expect(await verifyAuditChain(dataSource, { trustedKeys })).toMatchObject({
        ok: true,
        events: 3,
      });
    } finally {
      await dataSource.destroy();
    }
  });

  describe.each([
    ['read in one pass', {}],
    // The reading of a database that does not keep text in UTF-8, where binary COPY cannot serve.
    ['read as COPY text in one pass', { reading: 'text' as const }],
    // Three segments of ten, the later two in worker threads: faults inside and at the boundaries.
    ['read in parallel segments', { parallel: 3, minSegment: 1 }],
  ])('tampering through a superuser connection is detected, %s', (_mode, segmenting) => {
    const verify = (dataSource: DataSource) =>
      verifyAuditChain(dataSource, { trustedKeys, ...segmenting });
    const altered = (seq: string) => ({
      ok: false,
      seq,
      code: 'EVENT_ALTERED',
      reason: expect.stringContaining(`Nội dung sự kiện ${seq} đã bị sửa`) as unknown,
    });
    const prepared = async (count = 30, eventAt = event) => {
      const url = await freshDatabaseUrl({ fromTemplate: true });
      const opened = await openLog(url, signer, 10);
      await opened.log.recordMany(Array.from({ length: count }, (_, index) => eventAt(index)));
      await opened.log.flush();
      return { url, ...opened };
    };
    /** The verdict on a prepared chain of 30 events once the statements have tampered with it. */
    const verdictAfter = async (...statements: string[]) => {
      const { url, dataSource } = await prepared();
      try {
        await tamper(url, ...statements);
        return await verify(dataSource);
      } finally {
        await dataSource.destroy();
      }
    };

    it('one byte of one event changed', async () => {
      expect(
        await verdictAfter("UPDATE audit_event SET unit_code = 'QNG-X-00X' WHERE seq = 17"),
      ).toMatchObject(altered('17'));
    });

    it('text with tabs, line breaks, backslashes and astral characters verifies, and its change is found', async () => {
      const awkward = 'Cột\t"B"\r\ndòng 2 \\ C:\\temp\\new \b\f\v 𝔘 📊 \\N';
      const { url, dataSource } = await prepared(30, (index) =>
        index % 4
          ? event(index)
          : {
              ...event(index),
              request: { note: awkward },
              response: awkward,
              reason: awkward,
              details: { awkward },
            },
      );
      try {
        expect(await verify(dataSource)).toMatchObject({ ok: true, events: 30 });
        // Kept as given, through the chain writer's COPY.
        const [kept] = await dataSource.query<
          Array<{ reason: string; bodies: string; details: string; response: string }>
        >(
          'SELECT reason, bodies, details, response_sha256 AS response FROM audit_event WHERE seq = 1',
        );
        expect(kept).toEqual({
          reason: awkward,
          bodies: canonicalJson({ request: { note: awkward }, response: awkward }),
          details: canonicalJson({ awkward }),
          response: sha256Hex(awkward),
        });
        await tamper(
          url,
          `UPDATE audit_event SET reason = replace(reason, E'\\t', ' ') WHERE seq = 21`,
        );
        expect(await verify(dataSource)).toMatchObject(altered('21'));
      } finally {
        await dataSource.destroy();
      }
    });

    it('the stored bodies rewritten as JSON of the same meaning (one space added)', async () => {
      // The hash covers the stored text itself, not only what it parses to.
      expect(
        await verdictAfter(
          `UPDATE audit_event SET bodies = replace(bodies, '":', '": ') WHERE seq = 9`,
        ),
      ).toMatchObject(altered('9'));
    });

    it('a row deleted', async () => {
      expect(await verdictAfter('DELETE FROM audit_event WHERE seq = 12')).toMatchObject({
        ok: false,
        seq: '12',
        code: 'EVENT_MISSING',
      });
    });

    it('the row at a segment boundary deleted', async () => {
      expect(await verdictAfter('DELETE FROM audit_event WHERE seq = 10')).toMatchObject({
        ok: false,
        seq: '10',
        code: 'EVENT_MISSING',
      });
    });

    it('the first row after a segment boundary changed', async () => {
      expect(
        await verdictAfter("UPDATE audit_event SET actor = 'someone' WHERE seq = 21"),
      ).toMatchObject(altered('21'));
    });

    it('an untouched chain verifies whole', async () => {
      expect(await verdictAfter()).toMatchObject({
        ok: true,
        events: 30,
        head: { seq: '30' },
        checkpointsChecked: 3,
        lastCheckpoint: '30',
      });
    });

    it('two rows swapped', async () => {
      expect(
        await verdictAfter(
          'UPDATE audit_event SET seq = -5 WHERE seq = 5',
          'UPDATE audit_event SET seq = 5 WHERE seq = 6',
          'UPDATE audit_event SET seq = 6 WHERE seq = -5',
        ),
      ).toMatchObject({
        ok: false,
        seq: '5',
      });
    });

    it('the tail after a checkpoint truncated', async () => {
      const { url, dataSource } = await prepared(25);
      try {
        await tamper(url, 'DELETE FROM audit_event WHERE seq > 14');
        const result = await verify(dataSource);
        expect(result).toMatchObject({
          ok: false,
          code: 'EVENTS_REMOVED',
          reason: expect.stringContaining('bao tới sự kiện 21'),
        });
      } finally {
        await dataSource.destroy();
      }
    });

    it('the whole chain rewritten consistently, and caught by the signed checkpoint', async () => {
      const { url, dataSource } = await prepared(12);
      try {
        const rows = await dataSource.query<EventRow[]>('SELECT * FROM audit_event ORDER BY seq');
        let prev = GENESIS_HASH;
        const statements: string[] = [];
        for (const row of rows) {
          const content = contentOf({ ...row, outcome: 'ok' });
          const hash = eventHash(prev, content);
          statements.push(
            `UPDATE audit_event SET outcome = 'ok', prev_hash = '${prev}', hash = '${hash}' WHERE seq = ${String(row.seq)}`,
          );
          prev = hash;
        }
        await tamper(url, ...statements);
        expect(await verify(dataSource)).toMatchObject({
          ok: false,
          seq: '12',
          code: 'CHECKPOINT_MISMATCH',
        });
      } finally {
        await dataSource.destroy();
      }
    });
  });
});

describe('the gateway records through the audit module', () => {
  it('records its start and stop, and signs the head on the way out', async () => {
    const key = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const databaseUrl = await freshDatabaseUrl({ fromTemplate: true });
    const gateway = await startTestGateway({ env: { AUDIT_SIGNING_KEY: key }, databaseUrl });
    await gateway.close();
    const dataSource = await new DataSource(dataSourceOptions(databaseUrl, 2)).initialize();
    try {
      const actions = await dataSource.query<Array<{ action: string; actor: string }>>(
        'SELECT action, actor FROM audit_event ORDER BY seq',
      );
      expect(actions).toEqual([
        { action: 'gateway.started', actor: 'system' },
        { action: 'gateway.stopped', actor: 'system' },
      ]);
      const signer = new AuditSigner(createPrivateKey(key));
      expect(
        await verifyAuditChain(dataSource, { trustedKeys: [signer.publicKeyPem] }),
      ).toMatchObject({ ok: true, events: 2, lastCheckpoint: '2' });
      expect(gateway.logLines.join('\n')).not.toContain(key.split('\n')[1]);
    } finally {
      await dataSource.destroy();
    }
  });
});
