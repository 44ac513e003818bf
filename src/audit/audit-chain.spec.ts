import fc from 'fast-check';
import { canonicalJson } from '../common/canonical-json';
import {
  canonicalContent,
  canonicalText,
  eventHash,
  GENESIS_HASH,
  type ChainedContent,
} from './audit-chain';

const text = fc.option(fc.string({ unit: 'binary' }), { nil: null });
const record = fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: null });
/** An event's content with bodies and details as objects, as the gateway records them. */
const recorded = fc.record({
  seq: fc.bigInt({ min: 1n, max: 10n ** 12n }).map(String),
  occurredAt: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  actor: fc.string(),
  action: fc.string(),
  unitCode: text,
  formCode: text,
  periodId: text,
  transferId: text,
  outcome: fc.string(),
  requestSha256: text,
  responseSha256: text,
  bodies: record,
  reason: text,
  details: record,
});
/** The same as the chain keeps it: bodies and details as their canonical text. */
const kept = (
  value: typeof recorded extends fc.Arbitrary<infer T> ? T : never,
): ChainedContent => ({
  ...value,
  bodies: canonicalText(value.bodies),
  details: canonicalText(value.details),
});

describe('audit chain hashing', () => {
  it('the hand-written serialisation is exactly canonical JSON of the recorded content', () => {
    fc.assert(
      fc.property(recorded, (value) => canonicalContent(kept(value)) === canonicalJson(value)),
      { numRuns: 500 },
    );
  });

  it('a hash depends on the previous hash and on every field', () => {
    fc.assert(
      fc.property(recorded.map(kept), fc.string({ minLength: 1 }), (value, change) => {
        const hash = eventHash(GENESIS_HASH, value);
        return (
          hash !== eventHash('1'.repeat(64), value) &&
          hash !== eventHash(GENESIS_HASH, { ...value, action: value.action + change })
        );
      }),
      { numRuns: 200 },
    );
  });
});
