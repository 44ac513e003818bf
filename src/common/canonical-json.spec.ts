import fc from 'fast-check';
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

/** The plain definition, with nothing remembered: the fast one must write the same text. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : reference(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .filter((key) => record[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${reference(record[key])}`)
    .join(',')}}`;
}

describe('canonicalJson, remembering key orders and quoted strings', () => {
  it('writes what the plain definition writes, for any JSON value, twice over', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const expected = reference(value);
        expect(canonicalJson(value)).toBe(expected);
        expect(canonicalJson(value)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('is not misled by key sets that begin alike or by keys with NUL in them', () => {
    expect(canonicalJson({ a: 1, b: 2, c: 3 })).toBe('{"a":1,"b":2,"c":3}');
    expect(canonicalJson({ 'a\u0000b': 1, c: 2 })).toBe('{"a\\u0000b":1,"c":2}');
    expect(canonicalJson({ a: 1, 'b\u0000c': 2 })).toBe('{"a":1,"b\\u0000c":2}');
    expect(canonicalJson({ 'a\u0000b\u0000c': 1 })).toBe('{"a\\u0000b\\u0000c":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe('{"a":1,"b":2}');
    expect(canonicalJson({ a: 1, c: 2 })).toBe('{"a":1,"c":2}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
    for (let index = 0; index < 40; index++)
      expect(canonicalJson({ a: 1, [`k${index}`]: 2 })).toBe(`{"a":1,"k${index}":2}`);
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson({ '': 1 })).toBe('{"":1}');
  });

  it('orders keys by UTF-16 code units, numbers as text', () => {
    expect(canonicalJson({ '10': 1, '9': 2, '3': 3, é: 4, z: 5 })).toBe(
      '{"10":1,"3":3,"9":2,"z":5,"é":4}',
    );
    expect(canonicalJson([-0, 1e21, 0.1, 5e-7])).toBe('[0,1e+21,0.1,5e-7]');
  });
});

describe('canonicalJson of long strings', () => {
  it('quotes a string of any code units as JSON.stringify does, short or long', () => {
    const units = fc.oneof(
      fc.string({ unit: 'binary', minLength: 60, maxLength: 200 }),
      fc.string({ unit: 'grapheme', minLength: 60, maxLength: 200 }),
      fc
        .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 60, maxLength: 200 })
        .map((codes) => String.fromCharCode(...codes)),
      fc
        .tuple(
          fc.string({ minLength: 65 }),
          fc.constantFrom('"', '\\', '\n', '\u0000', '\ud800', '\udc00', '\u2028', '😀'),
        )
        .map(([text, odd]) => text + odd + text),
    );
    fc.assert(
      fc.property(units, (text) => {
        expect(canonicalJson(text)).toBe(JSON.stringify(text));
        expect(canonicalJson({ text })).toBe(`{"text":${JSON.stringify(text)}}`);
      }),
      { numRuns: 1000 },
    );
  });
});
