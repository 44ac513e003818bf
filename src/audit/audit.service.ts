import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type AppConfig, InjectConfig } from '../config/app-config';
import { GatewayNodeService } from '../database/gateway-node.service';
import { AuditLog, type AuditEventInput } from './audit-log';
import { AuditSigner } from './audit-signer';
import { verifyAuditChain, type CheckpointRow, type VerifyResult } from './audit-verifier';

/**
 * The one audit module the gateway records through. Recording is an insert (durable at once);
 * every replica runs the chain writer on a timer, and the advisory lock lets one at a time work.
 */
@Injectable()
export class AuditService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  readonly signer: AuditSigner;
  readonly log: AuditLog;
  /** Stops the chain writer's timer and waits for its flush in flight. */
  private stopChaining?: () => Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
    private readonly node: GatewayNodeService,
  ) {
    this.signer = AuditSigner.fromConfig(config);
    this.log = new AuditLog(dataSource, this.signer, {
      checkpointEvery: config.audit.checkpointEvery,
    });
  }

  record(event: AuditEventInput, manager?: EntityManager): Promise<void> {
    return this.log.record(event, manager);
  }

  /** Chains what is pending now (the timer does it too). */
  flush(): Promise<number> {
    return this.log.flush();
  }

  checkpoint(): Promise<{ seq: string; hash: string } | undefined> {
    return this.log.checkpoint();
  }

  /** The signed checkpoints with their public keys, oldest first. */
  checkpoints(): Promise<CheckpointRow[]> {
    return this.dataSource.query<CheckpointRow[]>(
      'SELECT seq, hash, signed_at, key_id, public_key, signature FROM audit_checkpoint ORDER BY seq',
    );
  }

  /**
   * The chain verified from its last checkpoint no longer than `maxAgeMs` ago, and when: the
   * metric and the notifications share one verification instead of each running their own.
   */
  verifyRecent(maxAgeMs: number): Promise<{ result: VerifyResult; at: number }> {
    if (!this.recent || Date.now() - this.recent.at > maxAgeMs) {
      const at = Date.now();
      const result = this.verify({ fromCheckpoint: true }).then((verified) => ({
        result: verified,
        at,
      }));
      this.recent = { at, result };
      result.catch(() => (this.recent = undefined));
    }
    return this.recent.result;
  }

  private recent?: { at: number; result: Promise<{ result: VerifyResult; at: number }> };

  verify(options: { fromCheckpoint?: boolean } = {}): Promise<VerifyResult> {
    return verifyAuditChain(this.dataSource, {
      trustedKeys: [this.signer.publicKeyPem],
      fromCheckpoint: options.fromCheckpoint,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.record({
      actor: 'system',
      action: 'gateway.started',
      outcome: 'ok',
      details: { node: this.node.id, mode: this.config.mode, auditKeyId: this.signer.keyId },
    });
    this.stopChaining = this.log.chainEvery(this.config.audit.flushIntervalMs, (error) =>
      this.logger.error({ err: error }, 'audit events not chained yet; retrying'),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    const stop = this.stopChaining;
    if (!stop) return;
    this.stopChaining = undefined;
    await stop();
    try {
      await this.record({
        actor: 'system',
        action: 'gateway.stopped',
        outcome: 'ok',
        details: { node: this.node.id },
      });
      // The head is signed on the way out, so nothing chained by this process is left unsigned.
      await this.log.checkpoint();
    } catch (error) {
      // Shutdown goes on: what was recorded is durable in audit_pending and the next writer chains it.
      this.logger.error({ err: error }, 'audit log not checkpointed at shutdown');
    }
  }
}
