import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, describeConfig, loadConfig } from './load-config';

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs in demo mode with the shipped defaults and no environment', () => {
    const config = loadConfig({ env: {} });
    expect(config.mode).toBe('demo');
    expect(config.server.port).toBe(3000);
    expect(config.database.url).toBeNull();
    expect(config.database.embedded.dataDir).toBe('.data/postgres');
    expect(config.sources).toHaveLength(1);
  });

  it('lets environment variables override the files, typed', () => {
    const config = loadConfig({
      env: {
        PORT: '8080',
        DATABASE_URL: 'postgres://gw:pw@db:5432/baocao',
        DATABASE_MIGRATIONS_RUN: 'false',
      },
    });
    expect(config.server.port).toBe(8080);
    expect(config.database.url).toBe('postgres://gw:pw@db:5432/baocao');
    expect(config.database.migrationsRun).toBe(false);
  });

  it('is production mode once both remote systems are described', () => {
    const config = loadConfig({
      env: {
        PROVINCIAL_BASE_URL: 'https://baocao.quangngai.gov.vn/api',
        PROVINCIAL_SSO_ISSUER: 'https://sso.quangngai.gov.vn',
        PROVINCIAL_CLIENT_ID: 'baocao-gateway',
        PROVINCIAL_CLIENT_SECRET: 's3cret-value',
        NATIONAL_BASE_URL: 'https://vpcp.baocaochinhphu.gov.vn/api',
        NATIONAL_IDP_ISSUER: 'https://id.vneid.gov.vn',
        AUDIT_SIGNING_KEY_FILE: '/etc/baocao/audit-signing-key.pem',
        VAULT_KEY_FILE: '/etc/baocao/vault.key',
      },
    });
    expect(config.mode).toBe('production');
    expect(JSON.stringify(describeConfig(config))).not.toContain('s3cret-value');
  });

  it('lists every problem at once, each with its key and variable', () => {
    const error = configErrorOf(() =>
      loadConfig({
        env: {
          PORT: 'eighty',
          LOG_LEVEL: 'loud',
          DATABASE_URL: 'mysql://x',
          SHUTDOWN_GRACE_MS: '-5',
        },
      }),
    );
    expect(error.problems.map((problem) => `${problem.key} ${problem.env}`).sort()).toEqual([
      'database.url DATABASE_URL',
      'log.level LOG_LEVEL',
      'server.port PORT',
      'shutdown.graceMs SHUTDOWN_GRACE_MS',
    ]);
    expect(error.message).toContain('4 lỗi');
    expect(error.message).toContain('(nhận được "eighty")');
  });

  it('refuses half a remote configuration instead of falling back to demo mode', () => {
    const error = configErrorOf(() =>
      loadConfig({
        env: {
          PROVINCIAL_BASE_URL: 'https://baocao.quangngai.gov.vn/api',
          PROVINCIAL_CLIENT_SECRET: 'hidden-1',
        },
      }),
    );
    const keys = error.problems.map((problem) => problem.key).sort();
    expect(keys).toEqual([
      'audit.signingKeyFile',
      'national.baseUrl',
      'provincial.clientId',
      'provincial.ssoIssuer',
      'vault.keyFile',
    ]);
    expect(error.message).not.toContain('hidden-1');
  });

  it('reads CONFIG_FILE over the defaults and rejects unknown keys and missing files', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-config-'));
    const file = path.join(dir, 'site.yaml');
    writeFileSync(file, 'server:\n  port: 4000\n  prot: 1\nlogging: {}\n');
    const error = configErrorOf(() => loadConfig({ env: { CONFIG_FILE: file } }));
    expect(error.problems.map((problem) => problem.key).sort()).toEqual(['logging', 'server.prot']);

    writeFileSync(file, 'server:\n  port: 4000\n');
    expect(loadConfig({ env: { CONFIG_FILE: file } }).server.port).toBe(4000);
    expect(loadConfig({ env: { CONFIG_FILE: file, PORT: '4001' } }).server.port).toBe(4001);

    const missing = configErrorOf(() =>
      loadConfig({ env: { CONFIG_FILE: path.join(dir, 'nope.yaml') } }),
    );
    expect(missing.problems).toEqual([
      expect.objectContaining({ env: 'CONFIG_FILE', message: 'không có tệp này' }),
    ]);
  });
});
