import fc from 'fast-check';
import { operationOf } from './metrics';

describe('operationOf', () => {
  it('names ids in a path by :id, and nothing else', () => {
    expect(operationOf('POST', '/api/v1/submissions/NS-8f1a/approve?x=1')).toBe(
      'POST /api/v1/submissions/:id/approve',
    );
    expect(operationOf('GET', '/v2/submissions/abc/x1y')).toBe('GET /v2/submissions/abc/x1y');
  });

  it('is the label the segment-by-segment rule gives, for any path', () => {
    const bySegment = (method: string, path: string) =>
      `${method} ${path
        .split('?')[0]
        .split('/')
        .map((segment) => (/\d/.test(segment) && segment.length > 3 ? ':id' : segment))
        .join('/')}`;
    const segment = fc.stringMatching(/^[a-z0-9.%:-]{0,8}$/);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), fc.option(segment), (segments, query) => {
        const path = `/${segments.join('/')}${query === null ? '' : `?${query}`}`;
        expect(operationOf('GET', path)).toBe(bySegment('GET', path));
      }),
      { numRuns: 500 },
    );
  });
});
