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
});
