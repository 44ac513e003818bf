import fc from 'fast-check';
import type { GridRow } from '../contracts/national-wire';
import { sortRows } from './report-mapper';

const collator = new Intl.Collator();
const rows = (keys: string[]): GridRow[] =>
  keys.map((rowKey) => ({ rowKey, label: '', cells: {} }));
const code = fc.stringMatching(/^[A-Z0-9-]{0,8}$/);

describe('sortRows', () => {
  it('orders sector and unit codes as the collator does, without it', () => {
    fc.assert(
      fc.property(fc.array(code, { maxLength: 30 }), (keys) => {
        const sorted = sortRows(rows(keys)).map((row) => row.rowKey);
        return sorted.join('\n') === [...keys].sort(collator.compare).join('\n');
      }),
      { numRuns: 2000 },
    );
  });

  it('orders any other keys by the collator', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(code, fc.string()), { maxLength: 30 }), (keys) => {
        const sorted = sortRows(rows(keys)).map((row) => row.rowKey);
        return sorted.join('\n') === [...keys].sort(collator.compare).join('\n');
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves codes in order as they are, and orders them when two are swapped', () => {
    const inOrder = fc.array(code, { maxLength: 30 }).map((keys) => keys.sort(collator.compare));
    fc.assert(
      fc.property(inOrder, fc.nat(), fc.nat(), (keys, one, other) => {
        const swapped = [...keys];
        if (keys.length) {
          const [a, b] = [one % keys.length, other % keys.length];
          [swapped[a], swapped[b]] = [swapped[b], swapped[a]];
        }
        expect(sortRows(rows(keys)).map((row) => row.rowKey)).toEqual(keys);
        expect(sortRows(rows(swapped)).map((row) => row.rowKey)).toEqual(keys);
      }),
      { numRuns: 1000 },
    );
  });
});
