import { copyField } from '../database/copy-rows';
import { isoMillis } from './audit-verifier';

describe('reading events as COPY writes them', () => {
  it.each([
    ['2026-11-28 03:51:53+00', '2026-11-28T03:51:53.000Z'],
    ['2026-11-28 03:51:53.8+00', '2026-11-28T03:51:53.800Z'],
    ['2026-11-28 03:51:53.88+00', '2026-11-28T03:51:53.880Z'],
    ['2026-11-28 03:51:53.123+00', '2026-11-28T03:51:53.123Z'],
    // Microseconds are cut, not rounded, as when the event was chained.
    ['2026-11-28 03:51:53.123999+00', '2026-11-28T03:51:53.123Z'],
    ['1999-12-31 23:59:59.9999+00', '1999-12-31T23:59:59.999Z'],
  ])('the instant %s is %s', (stored, iso) => {
    expect(isoMillis(stored)).toBe(iso);
  });

  it('an instant in another form is still read exactly', () => {
    expect(isoMillis('2026-11-28 10:51:53.5+07')).toBe('2026-11-28T03:51:53.500Z');
  });

  it.each([
    ['\\N', null],
    ['plain', 'plain'],
    ['', ''],
    ['a\\tb\\nc\\rd\\\\e', 'a\tb\nc\rd\\e'],
    ['\\b\\f\\v', '\b\f\v'],
    ['\\\\N', '\\N'],
    ['C:\\\\temp\\\\new', 'C:\\temp\\new'],
  ])('the field %j is %j', (field, value) => {
    expect(copyField(field)).toBe(value);
  });
});
