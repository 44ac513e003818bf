import request from 'supertest';
import { MetricsService } from '../src/operations/metrics.service';
import { type RunningSimulators } from '../src/simulators/simulators';
import { TransfersService } from '../src/transfers/transfers.service';
import { freshDatabaseUrl } from './support/database';
import { startTestGateway, type TestGateway } from './support/gateway';
import { startSimulatedGateway } from './support/simulated-gateway';
import { simulatorGatewayEnv } from './support/gateway-env';

/** One sample of the text format: `name{labels} value`. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('/metrics', () => {
  let sims: RunningSimulators;
  let gateway: TestGateway;
  let text: () => Promise<string>;

  beforeAll(async () => {
    ({ sims, gateway } = await startSimulatedGateway({
      METRICS_PORT: '0',
      TRANSFERS_PERIODS_BACK: '6',
    }));
    const port = gateway.app.get(MetricsService).port!;
    text = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  });
  afterAll(async () => {
    await gateway?.close();
    await sims?.stop();
  });

  it('on a port of its own, in the text format, counts what the gateway did', async () => {
    const transfers = gateway.app.get(TransfersService);
    const planned = await transfers.startSync(
      { periodId: '2025-Q3', units: ['QNG-X-010', 'QNG-X-001'] },
      'test',
    );
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const moving = await transfers.stateCounts(['mapped', 'pushing', 'pushed'], undefined);
      if (!Object.values(moving).some(Boolean)) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const body = await text();
    expect(body).toContain('# TYPE baocao_transfers gauge');
    const confirmed = sample(body, 'baocao_transfers', {
      state: 'confirmed',
      form: 'II.06a/VPCP/KSTT',
      period: '2025-Q3',
    });
    expect(confirmed).toBe(2);
    expect(planned.transferIds.length).toBe(6);
    expect(
      sample(body, 'baocao_national_steps_total', { step: 'submit', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(6);
    expect(
      sample(body, 'baocao_remote_call_duration_seconds_count', { system: 'national' }),
    ).toBeGreaterThan(0);
    expect(body).toMatch(
      /baocao_remote_call_duration_seconds_bucket\{[^}]*operation="POST \/submissions"/,
    );
    expect(
      sample(body, 'baocao_token_requests_total', { system: 'national-idp', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(sample(body, 'baocao_circuit_state', { system: 'national' })).toBe(0);
    expect(sample(body, 'baocao_queue_jobs', { queue: 'transfers.push-transfer' })).toBe(0);
    expect(sample(body, 'baocao_audit_pending_rows')).toBeGreaterThanOrEqual(0);
    expect(sample(body, 'baocao_audit_checkpoint_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(body, 'baocao_unit_forms_at_risk', { urgency: 'late' })).toBeGreaterThanOrEqual(
      0,
    );
    expect(body).toContain('process_resident_memory_bytes');
    const expiries = body
      .split('\n')
      .filter((line) => line.startsWith('baocao_signing_certificate_expiry_timestamp_seconds{'));
    expect(expiries.length).toBeGreaterThan(0);
  });

  it('on the API port only behind a token, when it has no port of its own', async () => {
    const plain = await startTestGateway({
      env: simulatorGatewayEnv(sims),
      databaseUrl: await freshDatabaseUrl({ fromTemplate: true }),
    });
    try {
      const refused = await request(plain.url).get('/metrics').expect(401);
      expect(refused.body.code).toBe('TOKEN_REFUSED');
    } finally {
      await plain.close();
    }
  });
});
