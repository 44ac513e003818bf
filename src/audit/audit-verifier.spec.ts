import { isoMillis } from './audit-verifier';

describe('reading an instant as COPY writes it', () => {
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
});
