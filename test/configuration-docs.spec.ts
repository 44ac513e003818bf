import { readFileSync } from 'node:fs';
import path from 'node:path';
import { environmentKeys } from '../src/config/config.schema';
import { loadConfig } from '../src/config/load-config';

function leafKeys(value: unknown, prefix = ''): string[] {
  // An empty mapping (a simulator's faults, say) is a key of its own.
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    Object.keys(value).length === 0
  )
    return [prefix];
  return Object.entries(value).flatMap(([key, child]) =>
    leafKeys(child, prefix ? `${prefix}.${key}` : key),
  );
}

describe('docs/configuration.md', () => {
  const docs = readFileSync(path.join(__dirname, '..', 'docs', 'configuration.md'), 'utf8');
  const rows = new Map(
    docs
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split('|').map((cell) => cell.trim().replace(/`/g, '')))
      .map((cells) => [cells[1], cells[2]] as const),
  );

  it('documents every configuration key with its environment variable, and nothing else', () => {
    const { mode: _mode, sources: _sources, ...values } = loadConfig({ env: {} });
    const keys = leafKeys(values).sort();
    expect([...rows.keys()].sort()).toEqual(keys);
    for (const [variable, key] of Object.entries(environmentKeys)) {
      expect({ key, variable: rows.get(key) }).toEqual({ key, variable });
    }
  });

  it('documents CONFIG_FILE', () => {
    expect(docs).toContain('CONFIG_FILE');
  });
});
