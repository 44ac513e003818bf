import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { JobWithMetadata } from 'pg-boss';
import type { StandingFaults } from '../common/standing-faults.service';
import type { AppConfig } from '../config/app-config';
import type { TransferEngine } from './transfer-engine';
import { QUEUES, type SyncJob, type TickJob, type TransferQueue } from './transfer-queue';
import type { TransfersService } from './transfers.service';

/**
 * The transfers' jobs on this replica: the pg-boss queues it works (ticks, syncs, pushes) and the
 * schedule's cron ticks. Each handler calls one service method; the state in the database decides
 * what is due, so a missed tick only delays.
 */
export class TransferJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TransferJobs.name);

  constructor(
    private readonly queue: TransferQueue,
    private readonly transfers: TransfersService,
    private readonly engine: () => TransferEngine,
    private readonly schedules: SchedulerRegistry,
    private readonly config: AppConfig,
    private readonly faults: StandingFaults,
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
    // A tick or sync job in hand beats its heartbeat (JOB_HEARTBEAT_SECONDS): the job of a
    // replica that stopped answering goes back to the queue, and a live replica takes it.
    await this.queue.boss.work(
      QUEUES.tick,
      { includeMetadata: true },
      async ([job]: JobWithMetadata<TickJob>[]) => {
        this.sayIfHandedBack(job);
        return this.onTick(job.data);
      },
    );
    await this.queue.boss.work(
      QUEUES.sync,
      { includeMetadata: true },
      async ([job]: JobWithMetadata<SyncJob>[]) => {
        this.sayIfHandedBack(job);
        await this.transfers.runSync(job.data);
      },
    );
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

  /** A job taken again after its replica stopped beating its heartbeat (or after a failure). */
  private sayIfHandedBack(job: JobWithMetadata<unknown>): void {
    if (!job.retryCount) return;
    const reason = (job.output as { value?: { message?: string } } | null)?.value?.message;
    this.logger.warn(
      { job: job.id, queue: job.name, retry: job.retryCount, reason },
      reason === 'job heartbeat timeout'
        ? 'job of a replica whose heartbeat stopped handed back to the queue and taken again'
        : 'job taken again after a failure',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
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
