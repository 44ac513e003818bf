import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { quartersBack } from '../catalog/periods';
import { CallGate } from '../common/call-gate';
import { LifecycleService } from '../common/lifecycle.service';
import { metricsRegistry } from '../common/metrics';
import { StandingFaults } from '../common/standing-faults.service';
import { type AppConfig, InjectConfig } from '../config/app-config';
import { BoardQuery, defaultBoardPeriod } from '../transfers/board-query';
import { QUEUES } from '../transfers/transfer-queue';
import { VaultService } from '../vault/vault.service';

const CIRCUIT_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * What Prometheus reads: the counters the parts keep as they work (common/metrics.ts), and gauges
 * read from the database at each scrape (transfers by state, the job queues, the audit chain,
 * units at risk, credentials), the circuits, the standing faults and the process. It reads the
 * services; it never changes a transfer.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: http.Server;
  private verifyTimer?: NodeJS.Timeout;
  private chain: { valid: boolean; at: number } | undefined;
  /** This gateway's gauges (a process may hold several gateways: the tests). */
  private readonly registry = new Registry();

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly vault: VaultService,
    private readonly board: BoardQuery,
    private readonly faults: StandingFaults,
    private readonly lifecycle: LifecycleService,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.define();
  }

  /** The text Prometheus scrapes. */
  text(): Promise<string> {
    return Registry.merge([metricsRegistry, this.registry]).metrics();
  }

  get contentType(): string {
    return metricsRegistry.contentType;
  }

  /** The port of its own, when metrics.port is set (0: any free port). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, host, auditVerifySeconds } = this.config.metrics;
    void this.verifyChain();
    this.verifyTimer = setInterval(() => void this.verifyChain(), auditVerifySeconds * 1000);
    this.verifyTimer.unref();
    if (port === null) return;
    this.server = http.createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('Chỉ có /metrics ở cổng này\n');
        return;
      }
      this.text().then(
        (body) => {
          response.writeHead(200, { 'content-type': this.contentType });
          response.end(body);
        },
        (error: unknown) => {
          this.logger.error({ err: error }, 'metrics could not be collected');
          response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          response.end('Không thu được số đo\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    this.logger.log({ port: this.port, host }, 'metrics served on their own port');
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.verifyTimer);
    if (this.server) await new Promise((resolve) => this.server!.close(resolve));
  }

  private async verifyChain(): Promise<void> {
    if (this.lifecycle.stopping) return;
    try {
      const { result, at } = await this.audit.verifyRecent(
        this.config.metrics.auditVerifySeconds * 1000,
      );
      this.chain = { valid: result.ok, at };
    } catch (error) {
      this.logger.warn({ err: error }, 'the audit chain could not be verified for the metric');
    }
  }

  private define(): void {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const dataSource = this.dataSource;
    const config = this.config;

    new Gauge({
      name: 'baocao_transfers',
      help: 'Transfers of the quarters the schedule works, by state, form and period.',
      labelNames: ['state', 'form', 'period'] as const,
      registers,
      async collect() {
        this.reset();
        const periods = quartersBack(new Date(), config.transfers.periodsBack).map(
          (period) => period.id,
        );
        const rows = await dataSource.query<
          Array<{ state: string; form_code: string; period_id: string; count: number }>
        >(
          `SELECT state, form_code, period_id, count(*)::int AS count FROM transfer
            WHERE period_id = ANY($1) GROUP BY state, form_code, period_id`,
          [periods],
        );
        for (const row of rows)
          this.set({ state: row.state, form: row.form_code, period: row.period_id }, row.count);
      },
    });

    const queues = async () => {
      const rows = await dataSource
        .query<Array<{ name: string; count: number; age: number }>>(
          `SELECT name, count(*)::int AS count,
                extract(epoch FROM now() - min(created_on))::float8 AS age
           FROM pgboss.job WHERE state IN ('created', 'retry') GROUP BY name`,
        )
        // Before pg-boss has made its schema (a replica that works no queue): nothing waits.
        .catch(() => []);
      const byQueue = new Map(rows.map((row) => [row.name, row]));
      return Object.values(QUEUES).map((queue) => ({
        queue,
        count: byQueue.get(queue)?.count ?? 0,
        age: byQueue.get(queue)?.age ?? 0,
      }));
    };
    new Gauge({
      name: 'baocao_queue_jobs',
      help: 'Jobs waiting in each queue (created or to be retried).',
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        for (const { queue, count } of await queues()) this.set({ queue }, count);
      },
    });
    new Gauge({
      name: 'baocao_queue_oldest_job_age_seconds',
      help: 'Age of the oldest job waiting in each queue; 0 when none waits.',
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        for (const { queue, age } of await queues()) this.set({ queue }, age);
      },
    });

    new Gauge({
      name: 'baocao_audit_pending_rows',
      help: 'Audit events recorded but not yet chained by the single writer.',
      registers,
      async collect() {
        const [row] = await dataSource.query<Array<{ count: number }>>(
          'SELECT count(*)::int AS count FROM audit_pending',
        );
        this.set(row.count);
      },
    });
    new Gauge({
      name: 'baocao_audit_checkpoint_age_seconds',
      help: 'Seconds since the last signed checkpoint of the audit chain.',
      registers,
      async collect() {
        const [row] = await dataSource.query<Array<{ age: number | null }>>(
          'SELECT extract(epoch FROM now() - max(signed_at))::float8 AS age FROM audit_checkpoint',
        );
        this.set(row.age ?? 0);
      },
    });
    const chain = () => this.chain;
    new Gauge({
      name: 'baocao_audit_chain_valid',
      help: 'Whether the last verification of the audit chain (from its last checkpoint) passed: 1 or 0.',
      registers,
      collect() {
        const last = chain();
        if (last) this.set(last.valid ? 1 : 0);
      },
    });
    new Gauge({
      name: 'baocao_audit_chain_verified_timestamp_seconds',
      help: 'When this replica last verified the audit chain.',
      registers,
      collect() {
        const last = chain();
        if (last) this.set(last.at / 1000);
      },
    });

    const board = this.board;
    new Gauge({
      name: 'baocao_unit_forms_at_risk',
      help: "Unit forms of the board's period not yet confirmed with their deadline near (at_risk) or past (late).",
      labelNames: ['period', 'urgency'] as const,
      registers,
      async collect() {
        this.reset();
        const period = defaultBoardPeriod(new Date());
        const { totals } = await board.board(period.id);
        this.set({ period: period.id, urgency: 'at_risk' }, totals.atRisk);
        this.set({ period: period.id, urgency: 'late' }, totals.overdue);
      },
    });

    new Gauge({
      name: 'baocao_circuit_state',
      help: 'Circuit breaker of each remote system: 0 closed, 1 half-open, 2 open.',
      labelNames: ['system'] as const,
      registers,
      collect() {
        this.reset();
        const worst = new Map<string, number>();
        for (const gate of CallGate.all)
          worst.set(
            gate.system,
            Math.max(worst.get(gate.system) ?? 0, CIRCUIT_VALUE[gate.circuit.state]),
          );
        for (const [system, value] of worst) this.set({ system }, value);
      },
    });

    const faults = this.faults;
    new Gauge({
      name: 'baocao_standing_faults',
      help: 'Faults retrying cannot mend, by code and the work they pause (1 while standing).',
      labelNames: ['code', 'pauses'] as const,
      registers,
      collect() {
        this.reset();
        for (const fault of faults.all()) this.set({ code: fault.code, pauses: fault.pauses }, 1);
      },
    });

    const vault = this.vault;
    const failing = new Gauge({
      name: 'baocao_credential_check_failed',
      help: 'Active credentials whose last login test or use was refused (1 each).',
      labelNames: ['system', 'account', 'unit'] as const,
      registers,
    });
    new Gauge({
      name: 'baocao_signing_certificate_expiry_timestamp_seconds',
      help: "When each active signing key's certificate expires.",
      labelNames: ['account', 'unit'] as const,
      registers,
      async collect() {
        this.reset();
        failing.reset();
        for (const credential of await vault.vault.list({ status: 'active' })) {
          const labels = { account: credential.account, unit: credential.unitCode ?? '' };
          if (credential.lastCheck && credential.lastCheck !== 'ok')
            failing.set({ ...labels, system: credential.system }, 1);
          const notAfter = credential.details.notAfter;
          if (credential.kind === 'signing-key' && typeof notAfter === 'string')
            this.set(labels, Date.parse(notAfter) / 1000);
        }
      },
    });
  }
}
