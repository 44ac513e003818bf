import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MetricsService } from '../src/operations/metrics.service';
import { type RunningSimulators } from '../src/simulators/simulators';
import { TransfersService } from '../src/transfers/transfers.service';
import { freePort, type TestGateway } from './support/gateway';
import { setFaults } from './support/gateway-env';
import { startSimulatedGateway } from './support/simulated-gateway';

const RULES = path.join(__dirname, '..', 'config', 'prometheus', 'baocao-alerts.yml');
const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';

/**
 * The alert rules against a real Prometheus (Debian's package, installed by .ci/run) scraping a
 * running gateway: the national system goes down, BaocaoCircuitOpen fires; it comes back, the
 * alert clears. The rules are the repository's, with their `for:` durations shortened so that the
 * test takes seconds, not minutes.
 */
describe('alert rules in a real Prometheus', () => {
  let sims: RunningSimulators;
  let gateway: TestGateway;
  let prometheus: ChildProcess;
  let promUrl: string;
  let scratch: string;

  beforeAll(async () => {
    if (!existsSync(PROMETHEUS))
      throw new Error(
        `${PROMETHEUS} is missing: install Debian's prometheus package, as .ci/run does`,
      );
    ({ sims, gateway } = await startSimulatedGateway({
      METRICS_PORT: '0',
      OUTBOUND_CIRCUIT_FAILURES: '2',
      OUTBOUND_CIRCUIT_COOLDOWN_MS: '1500',
      TRANSFERS_RETRY_LIMIT: '100',
      TRANSFERS_BACKOFF_BASE_MS: '200',
      TRANSFERS_BACKOFF_MAX_MS: '500',
    }));
    scratch = mkdtempSync(path.join(os.tmpdir(), 'baocao-prometheus-'));
    const rules = path.join(scratch, 'rules.yml');
    writeFileSync(rules, readFileSync(RULES, 'utf8').replace(/for: \d+m/g, 'for: 2s'));
    const config = path.join(scratch, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${rules}']`,
        'scrape_configs:',
        '  - job_name: baocao',
        `    static_configs: [{ targets: ['127.0.0.1:${gateway.app.get(MetricsService).port}'] }]`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(scratch, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    await until(
      async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok === true,
      60_000,
    );
  });
  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await gateway?.close();
    await sims?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  async function circuitAlert(): Promise<string | undefined> {
    const response = await fetch(`${promUrl}/api/v1/alerts`);
    const { data } = (await response.json()) as {
      data: { alerts: Array<{ labels: Record<string, string>; state: string }> };
    };
    return data.alerts.find(
      (alert) =>
        alert.labels.alertname === 'BaocaoCircuitOpen' && alert.labels.system === 'national',
    )?.state;
  }

  it('the file passes promtool', () => {
    const checked = spawnSync(PROMTOOL, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(checked.stdout).toContain('SUCCESS: 11 rules found');
    expect(checked.status).toBe(0);
  });

  it("the gateway's metrics pass promtool's lint", async () => {
    const text = await (
      await fetch(`http://127.0.0.1:${gateway.app.get(MetricsService).port}/metrics`)
    ).text();
    // Ours only: prom-client's own process metrics keep the names it gives them.
    const ours = text
      .split('\n')
      .filter((line) => /^(# (HELP|TYPE) )?baocao_/.test(line))
      .join('\n');
    expect(ours).toContain('baocao_transfers');
    const checked = spawnSync(PROMTOOL, ['check', 'metrics'], {
      input: `${ours}\n`,
      encoding: 'utf8',
    });
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  });

  it('BaocaoCircuitOpen fires while the national system is down and clears when it is back', async () => {
    const transfers = gateway.app.get(TransfersService);
    const faults = (body: object) => setFaults(sims.nationalReports.origin, body);
    // Down: every call answered 503 (without Retry-After, so the retries come soon).
    await faults({ errorRate: 1, errorStatuses: [503] });
    await transfers.startSync({ periodId: '2025-Q3', units: ['QNG-X-010', 'QNG-X-011'] }, 'test');
    // Pushes keep trying (as the schedule's push tick would), so the breaker sees the outage.
    const pushing = setInterval(() => void transfers.pushDue('test').catch(() => undefined), 500);
    try {
      await until(async () => (await circuitAlert()) === 'firing', 60_000);
      await faults({ errorRate: 0 });
      await until(async () => (await circuitAlert()) === undefined, 60_000);
      // The alert clears when the breaker closes, which can be before a push has gone on to be
      // confirmed: the transfers get through once the system is back, not necessarily by then.
      await until(
        async () => ((await transfers.stateCounts(['confirmed'], undefined)).confirmed ?? 0) > 0,
        60_000,
      );
    } finally {
      clearInterval(pushing);
    }
    const confirmed = await transfers.stateCounts(['confirmed'], undefined);
    expect(confirmed.confirmed).toBeGreaterThan(0);
  });
});

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}
