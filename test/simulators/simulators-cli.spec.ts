import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

function run(args: string[]) {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'src/simulators/simulators-cli.ts', ...args],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const waitFor = async (pattern: RegExp) => {
    for (let attempt = 0; attempt < 600 && !pattern.test(output); attempt++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    if (!pattern.test(output)) throw new Error(`no ${pattern} in:\n${output}`);
    return output;
  };
  return { child, exited, waitFor, output: () => output };
}

describe('npm run simulators', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-sim-cli-'));
  const ports = [
    '--provincial-reports-port',
    '0',
    '--provincial-sso-port',
    '0',
    '--national-reports-port',
    '0',
    '--national-idp-port',
    '0',
  ];

  it('exports the data set, serves a data file, prints the four URLs and stops on Ctrl-C', async () => {
    const file = path.join(dir, 'data.json');
    const exporter = run(['--export-data', file, '--as-of', '2026-11-27T12:00:00Z']);
    expect(await exporter.exited).toBe(0);
    expect(exporter.output()).toMatch(/wrote 1101 reports of 344 units/);
    expect(JSON.parse(readFileSync(file, 'utf8')).format).toBe('baocao-gateway/data-set@1');

    const credentials = path.join(dir, 'credentials.json');
    const server = run([...ports, '--data-file', file, '--credentials-file', credentials]);
    const printed = await server.waitFor(/Ctrl-C stops them/);
    const url = (label: string) =>
      new RegExp(`${label}\\s+(http://127\\.0\\.0\\.1:\\d+\\S*)`).exec(printed)![1];
    expect(
      (await fetch(`${url('provincial SSO \\(OIDC\\)')}/.well-known/openid-configuration`)).status,
    ).toBe(200);
    expect(
      (await fetch(`${url('national identity \\(OIDC\\)')}/.well-known/openid-configuration`))
        .status,
    ).toBe(200);
    expect((await fetch(`${url('provincial report system')}/units`)).status).toBe(401);
    expect((await fetch(`${url('national report system')}/periods`)).status).toBe(401);
    expect(printed).toContain('344 units, 1101 reports');
    expect(existsSync(credentials) && (statSync(credentials).mode & 0o777).toString(8)).toBe('600');
    const secrets = JSON.parse(readFileSync(credentials, 'utf8')) as {
      provincialClient: { clientSecret: string };
    };
    expect(printed).not.toContain(secrets.provincialClient.clientSecret);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
  });

  it('refuses a file that is not a data set, saying why', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"units": []}');
    const server = run([
      ...ports,
      '--data-file',
      bad,
      '--credentials-file',
      path.join(dir, 'c2.json'),
    ]);
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('is not a data set');
  });
});
