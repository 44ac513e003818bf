import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoSecret } from './demo-secrets';
import { loadConfig } from './load-config';

describe('a demo key lives with the data it seals', () => {
  const config = loadConfig({ env: {} });
  let root: string;
  let counter = 0;
  const generate = () => `key-${++counter}\n`;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'baocao-demo-secret-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is kept beside the embedded cluster, and survives deleting .data when the cluster lives elsewhere', () => {
    // As when root runs from a folder postgres cannot enter: .data/postgres is a symlink.
    const cluster = path.join(root, 'var-lib', 'clusters', 'abc');
    mkdirSync(cluster, { recursive: true });
    mkdirSync(path.join(root, '.data'));
    symlinkSync(cluster, path.join(root, '.data', 'postgres'));
    const first = demoSecret(config, 'baocao-vault.key', 'vault/key', generate, root);
    expect(readFileSync(path.join(cluster, 'baocao-vault.key'), 'utf8')).toBe(first);

    rmSync(path.join(root, '.data'), { recursive: true });
    mkdirSync(path.join(root, '.data'));
    symlinkSync(cluster, path.join(root, '.data', 'postgres'));
    expect(demoSecret(config, 'baocao-vault.key', 'vault/key', generate, root)).toBe(first);
  });

  it('carries over a key an older version kept under .data, once', () => {
    mkdirSync(path.join(root, '.data', 'vault'), { recursive: true });
    writeFileSync(path.join(root, '.data', 'vault', 'key'), 'old-key\n');
    mkdirSync(path.join(root, '.data', 'postgres'));
    expect(demoSecret(config, 'baocao-vault.key', 'vault/key', generate, root)).toBe('old-key\n');
    expect(readFileSync(path.join(root, '.data', 'postgres', 'baocao-vault.key'), 'utf8')).toBe(
      'old-key\n',
    );
  });

  it('stays under .data with an external database', () => {
    const external = { ...config, database: { ...config.database, url: 'postgres://x@h/db' } };
    mkdirSync(path.join(root, '.data', 'postgres'), { recursive: true });
    const key = demoSecret(external, 'baocao-vault.key', 'vault/key', generate, root);
    expect(readFileSync(path.join(root, '.data', 'vault', 'key'), 'utf8')).toBe(key);
  });
});
