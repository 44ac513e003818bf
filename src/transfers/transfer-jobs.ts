import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { StandingFaults } from '../common/standing-faults.service';
import type { AppConfig } from '../config/app-config';
import type { TransferEngine } from './transfer-engine';
import { QUEUES, type SyncJob, type TickJob, type TransferQueue } from './transfer-queue';
import type { TransfersService } from './transfers.service';
import { HEARTBEAT_MS } from '../database/gateway-node.service';
import type { JobClaims } from './job-claims';

/**
 * The transfers' jobs on this replica: the pg-boss queues it works (ticks, syncs, pushes) and the
 * schedule's cron ticks. Each handler calls one service method; the state in the database decides
 * what is due, so a missed tick only delays.
 */
export class TransferJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TransferJobs.name);
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly queue: TransferQueue,
    private readonly transfers: TransfersService,
    private readonly engine: () => TransferEngine,
    private readonly schedules: SchedulerRegistry,
    private readonly config: AppConfig,
    private readonly faults: StandingFaults,
    private readonly claims: JobClaims,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.start((error) => this.logger.error({ err: error }, 'job queue error'));
    if (!this.config.transfers.workers) return;
    const paused = this.faults.pausing('pushes');
    if (paused.length) {
      // Said once by the fault itself; every push would only meet it again.
      this.logger.warn(
        { codes: paused.map((fault) => fault.code) },
        'pushes, plans and schedule paused on this replica until the fault is fixed',
      );
      return;
    }
    await this.queue.boss.work<TickJob>(QUEUES.tick, async ([job]) =>
      this.claims.run(job.id, QUEUES.tick, () => this.onTick(job.data)),
    );
    await this.queue.boss.work<SyncJob>(QUEUES.sync, async ([job]) => {
      await this.claims.run(job.id, QUEUES.sync, () => this.transfers.runSync(job.data));
    });
    // The work of replicas that stopped answering comes back to the queue.
    this.sweeper = setInterval(() => void this.releaseDead(), HEARTBEAT_MS);
    this.sweeper.unref();
    await this.releaseDead();
    this.queue.workPushes(
      this.config.transfers.pushConcurrency,
      (job) => this.engine().pusher.push(job.transferId, job.actor),
      (error) => this.logger.error({ err: error }, 'push job error'),
    );
    if (this.config.transfers.scheduleEnabled) {
      this.declareSchedule();
      // A start is a tick too: what became due while no replica ran is planned and pushed now.
      const at = new Date();
      at.setSeconds(0, 0);
      for (const tick of ['plan', 'push'] as const)
        await this.queue.tick({ tick, at: at.toISOString(), source: 'start' });
    }
  }

  private async releaseDead(): Promise<void> {
    try {
      const released = await this.claims.releaseDead();
      if (released.length)
        this.logger.warn(
          { jobs: released },
          'jobs of a replica whose heartbeat stopped handed back to the queue',
        );
    } catch (error) {
      this.logger.warn({ err: error }, 'jobs of stopped replicas could not be looked for');
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    for (const name of this.schedules.getCronJobs().keys())
      if (name.startsWith('transfers.')) await this.schedules.getCronJob(name).stop();
    await this.queue.stop(Math.max(1000, this.config.shutdown.graceMs - 2000));
  }

  /** Cron ticks in Vietnam time: each only enqueues a job keyed to the tick. */
  private declareSchedule(): void {
    const { schedule, timezone } = this.config.transfers;
    for (const tick of ['plan', 'push', 'reconcile'] as const) {
      const job = CronJob.from({
        cronTime: schedule[tick],
        timeZone: timezone,
        start: true,
        onTick: () => {
          const at = new Date();
          at.setSeconds(0, 0);
          this.queue
            .tick({ tick, at: at.toISOString() })
            .catch((error: unknown) =>
              this.logger.error({ err: error, tick }, 'tick not enqueued'),
            );
        },
      });
      this.schedules.addCronJob(`transfers.${tick}`, job);
    }
  }

  /** What a tick does, through the same service methods an operator's request uses. */
  onTick(job: TickJob): Promise<unknown> {
    const at = new Date(job.at);
    if (job.tick === 'push') return this.transfers.pushDue('schedule');
    if (job.tick === 'plan') return this.transfers.planPeriods(at, 'schedule');
    return this.transfers.reconcilePeriods(at, 'schedule');
  }
}
