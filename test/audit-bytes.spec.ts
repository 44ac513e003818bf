import fc from 'fast-check';
import { Client } from 'pg';
import { eventHash, GENESIS_HASH, type ChainedContent } from '../src/audit/audit-chain';
import {
  ChainVerifier,
  readBinarySegment,
  verifySegment,
  type SegmentJob,
  type SegmentReading,
} from '../src/audit/audit-verifier';
import { canonicalJson } from '../src/common/canonical-json';
import { freshDatabaseUrl } from './support/database';

/**
 * The verifier reads the chain from binary COPY (ChainBytes: an event's canonical text written
 * from its bytes) where the database keeps UTF-8, and from COPY text otherwise. Chains are built
 * here from canonicalContent itself and written straight into audit_event, then tampered with;
 * both readings must give the same verdict on any content.
 */

// Text PostgreSQL can keep (no NUL), with what a JSON string escapes and what UTF-8 makes long.
const awkward = fc.constantFrom(
  '"',
  '\\',
  '\t',
  '\n',
  '\r',
  '\u0001',
  '\u001f',
  '\u007f',
  'đ',
  '📊',
  ' ',
);
const text = fc
  .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), awkward), { maxLength: 4 })
  .map((parts) => parts.join('').replace(/\0/g, ''));
const plain = fc.stringMatching(/^[a-zA-Z0-9.@:/ -]{0,20}$/);
const field = fc.oneof({ weight: 3, arbitrary: plain }, { weight: 1, arbitrary: text });
const optional = fc.option(field, { nil: null });
const json = fc.option(
  fc.jsonValue({ maxDepth: 2 }).map((value) => canonicalJson(value)),
  {
    nil: null,
  },
);
/** Microseconds since 1970, 1900 to 2200: inside and outside the years ChainBytes writes itself. */
const instant = fc.oneof(
  fc.integer({ min: -2_208_988_800_000_000, max: 7_258_118_400_000_000 }),
  fc.integer({ min: 1_750_000_000_000_000, max: 1_800_000_000_000_000 }),
);

/** An event whose fields are drawn from `text` and `optional`, its instant from `instant`. */
const eventOf = (
  text: fc.Arbitrary<string>,
  optional: fc.Arbitrary<string | null>,
  instant: fc.Arbitrary<number>,
) =>
  fc.record({
    micros: instant,
    actor: text,
    action: text,
    unitCode: optional,
    formCode: optional,
    periodId: optional,
    transferId: fc.option(fc.uuid(), { nil: null }),
    outcome: text,
    requestSha256: optional,
    responseSha256: optional,
    bodies: json,
    reason: optional,
    details: json,
  });
// Most events are ones the byte path writes itself, so that a change to one of them is tried often.
const eventArbitrary = fc.oneof(
  {
    weight: 2,
    arbitrary: eventOf(
      plain,
      fc.option(plain, { nil: null }),
      fc.integer({ min: 0, max: 4_102_444_799_999_999 }),
    ),
  },
  { weight: 1, arbitrary: eventOf(field, optional, instant) },
);
type Generated = typeof eventArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** An event as a push records it, on 2026-12-01, with what the test changes. */
const pushed = (fields: Partial<Generated>): Generated => ({
  micros: Date.UTC(2026, 11, 1) * 1000,
  actor: 'schedule',
  action: 'transfer.push',
  unitCode: 'QNG-X-001',
  formCode: null,
  periodId: '2026-Q4',
  transferId: null,
  outcome: 'ok',
  requestSha256: null,
  responseSha256: null,
  bodies: null,
  reason: null,
  details: null,
  ...fields,
});

/** The instant as PostgreSQL reads it, to the microsecond, and as the hash covers it. */
function instantTexts(micros: number): { stored: string; hashed: string } {
  const millis = Math.floor(micros / 1000);
  const hashed = new Date(millis).toISOString();
  const rest = String(micros - millis * 1000).padStart(3, '0');
  return { stored: `${hashed.slice(0, 23)}${rest}Z`, hashed };
}

/** Whether ChainBytes writes the event itself: plain text fields, 1970 to 2099, a seq below 2^52. */
function byBytes(seq: bigint, event: Generated): boolean {
  const millis = Math.floor(event.micros / 1000);
  const texts = [
    event.actor,
    event.action,
    event.unitCode,
    event.formCode,
    event.periodId,
    event.outcome,
    event.requestSha256,
    event.responseSha256,
    event.reason,
  ];
  return (
    seq < 2n ** 52n &&
    millis >= 0 &&
    millis < Date.UTC(2100, 0, 1) &&
    // eslint-disable-next-line no-control-regex -- the control characters are what it looks for
    texts.every((value) => value === null || !/["\\\u0000-\u001f]/.test(value))
  );
}

const COLUMNS = `seq, occurred_at, chained_at, actor, action, unit_code, form_code, period_id,
  transfer_id, outcome, request_sha256, response_sha256, bodies, reason, details, prev_hash, hash`;

describe('the audit chain read from binary COPY and from COPY text gives the same verdict', () => {
  let url: string;
  let client: Client;
  /** Each run writes its events after the last run's, and verifies only its own. */
  let nextRun = 0n;

  beforeAll(async () => {
    url = await freshDatabaseUrl({ fromTemplate: true });
    client = new Client({ connectionString: url });
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
  });

  async function write(after: bigint, startHash: string, events: Generated[]): Promise<string> {
    let prev = startHash;
    for (const [index, generated] of events.entries()) {
      const seq = String(after + BigInt(index) + 1n);
      const { stored, hashed } = instantTexts(generated.micros);
      const { micros: _micros, ...fields } = generated;
      const content: ChainedContent = { seq, occurredAt: hashed, ...fields };
      const hash = eventHash(prev, content);
      await client.query(
        `INSERT INTO audit_event (${COLUMNS}) VALUES ($1, $2, now(), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [
          seq,
          stored,
          content.actor,
          content.action,
          content.unitCode,
          content.formCode,
          content.periodId,
          content.transferId,
          content.outcome,
          content.requestSha256,
          content.responseSha256,
          content.bodies,
          content.reason,
          content.details,
          prev,
          hash,
        ],
      );
      prev = hash;
    }
    return prev;
  }

  const verdicts = async (after: bigint, startHash: string, through: bigint) => {
    const verdict = (reading: SegmentReading) =>
      verifySegment(url, {
        start: { seq: String(after), hash: startHash },
        through: String(through),
        checkpoints: [],
        trustedKeys: [],
        reading,
      });
    return { binary: await verdict('binary'), text: await verdict('text') };
  };

  /** A superuser's change to one stored event, triggers off. */
  async function tamper(statement: string, parameters: unknown[]): Promise<void> {
    await client.query("SET session_replication_role = 'replica'");
    try {
      await client.query(statement, parameters);
    } finally {
      await client.query("SET session_replication_role = 'origin'");
    }
  }

  const columns = [
    'actor',
    'action',
    'unit_code',
    'form_code',
    'period_id',
    'outcome',
    'request_sha256',
    'response_sha256',
    'bodies',
    'reason',
    'details',
  ] as const;
  const tampering = fc.oneof(
    fc.record({
      kind: fc.constant('text' as const),
      column: fc.constantFrom(...columns),
      value: optional,
    }),
    fc.record({
      kind: fc.constant('transfer' as const),
      value: fc.option(fc.uuid(), { nil: null }),
    }),
    // A microsecond more may stay inside the millisecond the hash covers; a millisecond does not.
    fc.record({ kind: fc.constant('instant' as const), micros: fc.constantFrom(1, 1000) }),
    fc.record({
      kind: fc.constant('link' as const),
      value: fc.constantFrom(GENESIS_HASH, 'f'.repeat(64), 'x'),
    }),
  );

  it('text moved out of the bodies into a quoted field is caught, though its bytes unquoted would hash alike', async () => {
    // `"actor":"y","bodies":{"a":"q","bodies":1}` is also what actor `y","bodies":{"a":"q` and
    // bodies `1}` would make if quotes in text were not escaped.
    const after = 10n ** 12n;
    const event = pushed({ actor: 'y', bodies: canonicalJson({ a: 'q', bodies: 1 }) });
    await write(after, GENESIS_HASH, [event, event]);
    expect((await verdicts(after, GENESIS_HASH, after + 2n)).binary).toMatchObject({ ok: true });
    await tamper(`UPDATE audit_event SET actor = $2, bodies = '1}' WHERE seq = $1`, [
      String(after + 1n),
      'y","bodies":{"a":"q',
    ]);
    const { binary, text } = await verdicts(after, GENESIS_HASH, after + 2n);
    expect(binary).toMatchObject({ ok: false, seq: String(after + 1n), code: 'EVENT_ALTERED' });
    expect(text).toEqual(binary);
  });

  it.each([
    [
      'out of the bodies into the details',
      { a: 1, details: 2 },
      null,
      { bodies: '{"a":1', details: '2},"details":null' },
      'bodies',
    ],
    [
      'out of the details into the bodies',
      { x: 1 },
      { a: 0, details: 1 },
      { bodies: '{"x":1},"details":{"a":0', details: '1}' },
      'bodies',
    ],
  ])(
    'bytes moved %s at a key named "details" hash alike, and are caught',
    async (_way, bodies, details, moved, misshapen) => {
      const after = 2n * 10n ** 12n + (details ? 10n : 0n);
      const event = pushed({
        bodies: canonicalJson(bodies),
        details: details && canonicalJson(details),
      });
      await write(after, GENESIS_HASH, [event, event]);
      expect((await verdicts(after, GENESIS_HASH, after + 2n)).binary).toMatchObject({ ok: true });
      // The same canonical text, so the same hash: what the chain alone cannot tell apart.
      const { micros: _micros, ...fields } = event;
      const content = {
        seq: String(after + 1n),
        occurredAt: '2026-12-01T00:00:00.000Z',
        ...fields,
      };
      expect(eventHash(GENESIS_HASH, { ...content, ...moved })).toBe(
        eventHash(GENESIS_HASH, content),
      );
      await tamper('UPDATE audit_event SET bodies = $2, details = $3 WHERE seq = $1', [
        String(after + 1n),
        moved.bodies,
        moved.details,
      ]);
      const { binary, text } = await verdicts(after, GENESIS_HASH, after + 2n);
      expect(binary).toMatchObject({
        ok: false,
        seq: String(after + 1n),
        code: 'EVENT_ALTERED',
        reason: expect.stringContaining(`${misshapen} không còn là một giá trị JSON`) as unknown,
      });
      expect(text).toEqual(binary);
    },
  );

  it('events longer than the buffer their text is written into pass from their bytes', async () => {
    const after = 3n * 10n ** 12n;
    const events = [10_000, 100, 50_000].map((length) =>
      pushed({ reason: 'Số liệu quý '.repeat(length / 10), bodies: canonicalJson({ n: length }) }),
    );
    const head = await write(after, GENESIS_HASH, events);
    const job: SegmentJob = {
      start: { seq: String(after), hash: GENESIS_HASH },
      through: String(after + 3n),
      checkpoints: [],
      trustedKeys: [],
    };
    const verifier = new ChainVerifier([], [], job.start);
    const bytes = await readBinarySegment(client, job, verifier);
    expect(verifier.finish(job.start.seq, job.through)).toMatchObject({
      ok: true,
      events: 3,
      head: { seq: String(after + 3n), hash: head },
    });
    expect(bytes.byBytes).toBe(3);
  });

  it('on any content, sound and after any change, from seq 1 and past 2^52', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArbitrary, { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        fc.nat(),
        tampering,
        async (events, late, at, change) => {
          // Near 2^52 the byte path hands over to the row path, the seq too large for it.
          const after = (late ? 2n ** 52n - 4n : 0n) + nextRun;
          nextRun += 100n;
          const startHash = after === 0n ? GENESIS_HASH : 'a'.repeat(64);
          const last = after + BigInt(events.length);
          const head = await write(after, startHash, events);

          const sound = await verdicts(after, startHash, last);
          expect(sound.binary).toEqual({
            ok: true,
            events: events.length,
            from: String(after),
            head: { seq: String(last), hash: head },
            checkpointsChecked: 0,
            lastCheckpoint: null,
          });
          expect(sound.text).toEqual(sound.binary);
          // The byte path took every event it can write itself; the others went as rows.
          const job: SegmentJob = {
            start: { seq: String(after), hash: startHash },
            through: String(last),
            checkpoints: [],
            trustedKeys: [],
          };
          const verifier = new ChainVerifier([], [], job.start);
          const bytes = await readBinarySegment(client, job, verifier);
          expect(verifier.finish(job.start.seq, job.through)).toEqual(sound.binary);
          expect(bytes.byBytes).toBe(
            events.filter((event, index) => byBytes(after + BigInt(index) + 1n, event)).length,
          );

          const seq = String(after + BigInt(at % events.length) + 1n);
          if (change.kind === 'text') {
            await tamper(`UPDATE audit_event SET ${change.column} = $2 WHERE seq = $1`, [
              seq,
              // actor, action and outcome are NOT NULL.
              change.value ?? (['actor', 'action', 'outcome'].includes(change.column) ? '' : null),
            ]);
          } else if (change.kind === 'transfer') {
            await tamper('UPDATE audit_event SET transfer_id = $2 WHERE seq = $1', [
              seq,
              change.value,
            ]);
          } else if (change.kind === 'instant') {
            await tamper(
              `UPDATE audit_event SET occurred_at = occurred_at + make_interval(secs => $2::float8 / 1e6) WHERE seq = $1`,
              [seq, change.micros],
            );
          } else {
            await tamper('UPDATE audit_event SET prev_hash = $2 WHERE seq = $1', [
              seq,
              change.value,
            ]);
          }
          const changed = await verdicts(after, startHash, last);
          expect(changed.text).toEqual(changed.binary);
          if (change.kind === 'instant' && change.micros === 1000) {
            expect(changed.binary).toMatchObject({ ok: false, seq, code: 'EVENT_ALTERED' });
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
