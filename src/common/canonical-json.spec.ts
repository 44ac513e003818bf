import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: true, e: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"e":null,"f":true}]},"b":1}',
    );
  });

  it('is the same text for the same content whatever the key order', () => {
    expect(canonicalJson({ unit: 'QNG-X-001', cells: { '4': 1, '3': 2 } })).toBe(
      canonicalJson({ cells: { '3': 2, '4': 1 }, unit: 'QNG-X-001' }),
    );
  });

  it('keeps Vietnamese text as is and refuses what JSON cannot say', () => {
    expect(canonicalJson({ name: 'Hộ tịch' })).toBe('{"name":"Hộ tịch"}');
    expect(() => canonicalJson({ value: Number.NaN })).toThrow(TypeError);
  });
});
