import fc from 'fast-check';
import { REDACTED, scrub, scrubText, SECRET_SHAPES } from './redact';

describe('scrub', () => {
  it('replaces values under secret keys at any depth', () => {
    const out = scrub({
      account: { clientSecret: 'abc', password: 'p', nested: [{ refresh_token: 'r' }] },
      unit: 'x',
    });
    expect(out).toEqual({
      account: {
        clientSecret: REDACTED,
        password: REDACTED,
        nested: [{ refresh_token: REDACTED }],
      },
      unit: 'x',
    });
  });

  it('removes secret shapes from free text', () => {
    const text = scrubText(
      'GET /cb?code=abc123&state=s Authorization: Bearer abcdefghijk postgres://gw:pw@db/x eyJhbGciOi.eyJzdWIiOiIx.c2ln',
    );
    expect(text).not.toMatch(/abc123|abcdefghijk|:pw@|eyJhbGciOi/);
    expect(text).toContain('state=s');
  });

  it('the quick test before the shapes lets no secret through', () => {
    const everyShape = (text: string) =>
      SECRET_SHAPES.reduce(
        (result, [pattern, replacement]) => result.replace(pattern, replacement),
        text,
      );
    const fragments = fc.constantFrom(
      'bearer ',
      'Basic ',
      'BEARER ',
      'abcdefghijkl',
      'eyJ',
      'hbGciOi',
      '.',
      '//',
      'user:',
      'pw@',
      '?',
      '&',
      'token=',
      'code=',
      '=',
      '-----BEGIN RSA PRIVATE KEY-----',
      '-----END RSA PRIVATE KEY-----',
      ' ',
      'Số liệu',
      'x',
      '\n',
    );
    fc.assert(
      fc.property(fc.array(fragments, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect(scrubText(text)).toBe(everyShape(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps error messages readable but clean, and leaves class instances to their serializers', () => {
    const error = new Error('login failed for postgres://gw:hunter2@db/x');
    const out = scrub({ err: error, when: new Date(0) }) as {
      err: { message: string };
      when: Date;
    };
    expect(out.err.message).toBe(`login failed for postgres://gw:${REDACTED}@db/x`);
    expect(out.when).toBeInstanceOf(Date);
  });
});
