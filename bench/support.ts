import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { UnitRecord } from '../src/contracts/provincial-wire';
import { nationUnits } from '../src/simulators/data/nation-data';
import type { RunningSimulators } from '../src/simulators/simulators';

/** The checkout the benches run in. */
export const root = path.resolve(__dirname, '..');

let built = false;

/** The middle of the values (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * `nest build`, once for all the benches of one `npm run bench` (the audit and nation benches run
 * what was built, as the CLI and `npm start` do); the sources do not change while it runs.
 */
export function buildOnce(): void {
  if (built) return;
  execFileSync('npx', ['nest', 'build'], { cwd: root, stdio: 'ignore' });
  built = true;
}

export interface SimulatorsProcess {
  pid: number;
  urls: RunningSimulators['urls'];
  nationalReports: { origin: string };
  credentials: RunningSimulators['credentials'];
  stop(): void;
}

/** `npm run simulators` as a child process; its accounts read back from the file it writes. */
export async function simulatorsProcess(
  file: string,
  options: { nation?: boolean } = {},
): Promise<SimulatorsProcess> {
  const ports = ['provincial-reports', 'provincial-sso', 'national-reports', 'national-idp'];
  const child = spawn(
    process.execPath,
    [
      // e.g. BENCH_SIMULATORS_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/sims" to profile them.
      ...(process.env.BENCH_SIMULATORS_NODE_ARGS ?? '').split(' ').filter(Boolean),
      '-r',
      'ts-node/register/transpile-only',
      'src/simulators/simulators-cli.ts',
      ...ports.flatMap((name) => [`--${name}-port`, '0']),
      '--credentials-file',
      file,
      ...(options.nation ? ['--nation'] : []),
    ],
    { cwd: path.resolve(__dirname, '..'), stdio: 'ignore' },
  );
  const deadline = Date.now() + 300_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error('the simulators did not start within five minutes');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const written = JSON.parse(readFileSync(file, 'utf8')) as {
    urls: RunningSimulators['urls'];
    provincialClient: RunningSimulators['credentials']['provincialClient'];
    nationalAccounts: RunningSimulators['credentials']['nationalAccounts'];
    signingAuthorityCertificate: string;
    signingCertificates: Record<
      string,
      { certificatePem: string; privateKeyPem: string; chainPem: string[] }
    >;
  };
  return {
    pid: child.pid!,
    urls: written.urls,
    nationalReports: { origin: new URL(written.urls.nationalReports).origin },
    credentials: {
      provincialClient: written.provincialClient,
      nationalAccounts: written.nationalAccounts,
      signingAuthority: { certificatePem: written.signingAuthorityCertificate, privateKeyPem: '' },
      signingCertificates: new Map(Object.entries(written.signingCertificates)),
    } as unknown as RunningSimulators['credentials'],
    stop: () => void child.kill('SIGTERM'),
  };
}

/** CPU seconds (user + system) used so far by a process and, optionally, its children alive now. */
export function cpuSecondsOf(pid: number, withChildren = false): number {
  const ticks = (id: string) => {
    try {
      const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
    } catch {
      return { parent: -1, ticks: 0 };
    }
  };
  let total = ticks(String(pid)).ticks;
  if (withChildren)
    for (const id of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      const entry = ticks(id);
      if (entry.parent === pid) total += entry.ticks;
    }
  // Linux counts in clock ticks of 1/100 s (USER_HZ).
  return total / 100;
}

/** A simulator's /__admin route, answered as JSON. */
export async function adminJson<T>(url: string, method = 'GET', body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return (await response.json()) as T;
}

/**
 * The national simulator as at a fresh start, answering after `latencyMs`: its store emptied,
 * its counters and faults reset (reset clears the latency too, so it is set after).
 */
export async function freshNational(origin: string, latencyMs: number): Promise<void> {
  await adminJson(`${origin}/__admin/submissions`, 'DELETE');
  await adminJson(`${origin}/__admin/reset`, 'POST');
  await adminJson(`${origin}/__admin/faults`, 'POST', { latencyMs });
}

/** The nation's reporting units (about 4,000, provinces left out) as the planner keeps them. */
export async function seedNationUnits(dataSource: DataSource): Promise<UnitRecord[]> {
  const units = nationUnits().filter((unit) => unit.level !== 'province');
  await dataSource.query(
    `INSERT INTO provincial_unit (office_code, name, level, parent_code, valid_from, valid_to, seen_at)
     SELECT "officeCode", name, level, "parentCode", '2000-01-01', NULL, now()
       FROM jsonb_to_recordset($1::jsonb)
         AS unit("officeCode" text, name text, level text, "parentCode" text)`,
    [JSON.stringify(units)],
  );
  return units;
}
