import { readFileSync, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../src/database/embedded-postgres';
import { spawnGateway } from './support/process';

function postmasterPid(dataDir: string): number {
  return Number(
    readFileSync(path.join(dataDir, 'cluster', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
}

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('the gateway process', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'baocao-process-'));
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('starts in demo mode on an embedded PostgreSQL and stops it on SIGTERM, leaving no process', async () => {
    const gateway = spawnGateway({ EMBEDDED_PG_DATA_DIR: dataDir });
    const demo = await gateway.waitForLog(/demo mode: simulators started/);
    const simulators = demo.simulators as Record<string, string>;
    const listening = await gateway.waitForLog(/is listening on/);
    expect(listening.mode).toBe('demo');
    const discovery = await fetch(`${simulators.provincialSso}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect((await fetch(`${simulators.nationalReports}/periods`)).status).toBe(401);
    const ready = await fetch(`${String(listening.url)}/health/ready`);
    expect(ready.status).toBe(200);
    const postgres = postmasterPid(dataDir);
    expect(isAlive(postgres)).toBe(true);

    gateway.child.kill('SIGTERM');
    const exit = await gateway.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await waitUntil(() => !isAlive(postgres))).toBe(true);
    expect(existsSync(path.join(dataDir, 'owner.json'))).toBe(false);
    expect(gateway.output()).toContain('"msg":"stopped"');
    // Stopped in order: the schedule, the workers, the audit writer and the heartbeat before the
    // database, so nothing logs an error (not "the database system is shutting down").
    const errors = gateway
      .output()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    expect(errors).toEqual([]);
    await expect(
      fetch(`${simulators.provincialSso}/.well-known/openid-configuration`),
    ).rejects.toThrow();
  });

  it('keeps its data between runs, and a killed run leaves nothing the next start cannot clean', async () => {
    const first = spawnGateway({ EMBEDDED_PG_DATA_DIR: dataDir });
    await first.waitForLog(/is listening on/);
    const orphan = postmasterPid(dataDir);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(isAlive(orphan)).toBe(true);

    const second = spawnGateway({ EMBEDDED_PG_DATA_DIR: dataDir });
    const listening = await second.waitForLog(/is listening on/);
    expect(isAlive(orphan)).toBe(false);
    expect(second.output()).toMatch(/stopping PostgreSQL \d+ left running/);
    // The cluster initialised by the first test was reused, not created again.
    expect(second.output()).not.toContain('initialising a PostgreSQL cluster');
    expect((await fetch(`${String(listening.url)}/health/ready`)).status).toBe(200);
    const postgres = postmasterPid(dataDir);
    second.child.kill('SIGINT');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(await waitUntil(() => !isAlive(postgres))).toBe(true);
  });

  it('exits with code 78 and lists every configuration problem at once', async () => {
    const gateway = spawnGateway({
      PORT: 'http',
      LOG_LEVEL: 'chatty',
      NATIONAL_BASE_URL: 'https://vpcp.example',
    });
    const exit = await gateway.exited;
    expect(exit.code).toBe(78);
    const output = gateway.output();
    expect(output).toContain('Cấu hình không hợp lệ (6 lỗi)');
    for (const variable of [
      '(PORT)',
      '(LOG_LEVEL)',
      '(NATIONAL_IDP_ISSUER)',
      '(AUDIT_SIGNING_KEY_FILE)',
      '(VAULT_KEY_FILE)',
      '(PROVINCIAL_BASE_URL)',
    ]) {
      expect(output).toContain(variable);
    }
  });

  it('in demo mode, a simulator port already taken: says which, stops what it started, exits 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const ownDir = await fs.mkdtemp(path.join(os.tmpdir(), 'baocao-process-port-'));
    try {
      const gateway = spawnGateway({
        EMBEDDED_PG_DATA_DIR: ownDir,
        SIMULATOR_NATIONAL_IDP_PORT: String(port),
      });
      const exit = await gateway.exited;
      expect(exit.code).toBe(1);
      const output = gateway.output();
      expect(output).toContain('SIMULATOR_PORT_IN_USE');
      expect(output).toContain(`127.0.0.1:${port}`);
      // The embedded PostgreSQL it had started is stopped, not left behind.
      expect(output).toContain('"msg":"could not start"');
      expect(existsSync(path.join(ownDir, 'owner.json'))).toBe(false);
      expect(existsSync(path.join(ownDir, 'cluster', 'postmaster.pid'))).toBe(false);
    } finally {
      taken.close();
      await fs.rm(ownDir, { recursive: true, force: true });
    }
  });
});
