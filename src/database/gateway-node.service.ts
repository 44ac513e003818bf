import { randomUUID } from 'node:crypto';
import os from 'node:os';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThanOrEqual, Repository } from 'typeorm';
import { type AppConfig, InjectConfig } from '../config/app-config';
import { GatewayNodeEntity } from './entities/gateway-node.entity';
import { packageVersion } from './package-version';

/** Every 10 s; a replica not heard from for three of them no longer counts as running. */
export const HEARTBEAT_MS = 10_000;

/** Registers this process among the replicas sharing the database, and keeps its heartbeat. */
@Injectable()
export class GatewayNodeService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly id = randomUUID();
  private readonly logger = new Logger(GatewayNodeService.name);
  private heartbeat?: NodeJS.Timeout;

  constructor(
    @InjectRepository(GatewayNodeEntity) private readonly nodes: Repository<GatewayNodeEntity>,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const now = new Date();
    await this.nodes.insert({
      id: this.id,
      hostname: os.hostname(),
      pid: process.pid,
      version: packageVersion,
      mode: this.config.mode,
      startedAt: now,
      lastSeenAt: now,
      stoppedAt: null,
    });
    this.heartbeat = setInterval(() => {
      this.nodes.update({ id: this.id }, { lastSeenAt: new Date() }).catch((error: unknown) => {
        this.logger.warn({ err: error, node: this.id }, 'heartbeat not recorded');
      });
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.heartbeat) return;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    // Shutdown goes on if this fails: the row then simply stops being live after three heartbeats.
    await this.nodes
      .update({ id: this.id }, { stoppedAt: new Date(), lastSeenAt: new Date() })
      .catch((error: unknown) =>
        this.logger.warn({ err: error, node: this.id }, 'stop not recorded'),
      );
  }
}

/** Replicas that are running: not stopped, and heard from within three heartbeats. */
export function findLiveNodes(nodes: Repository<GatewayNodeEntity>): Promise<GatewayNodeEntity[]> {
  return nodes.find({
    where: {
      stoppedAt: IsNull(),
      lastSeenAt: MoreThanOrEqual(new Date(Date.now() - 3 * HEARTBEAT_MS)),
    },
    order: { startedAt: 'ASC' },
  });
}
