import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Events recorded but not yet chained. Any replica inserts here, in its own transaction; the one
 * chain writer moves them into audit_event in order. Durable from the moment of recording.
 */
@Entity({ name: 'audit_pending' })
export class AuditPendingEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'jsonb' })
  event!: Record<string, unknown>;

  /** The event's bodies as canonical text, when not in `event` (AuditLog.pendingRow). */
  @Column({ type: 'text', nullable: true })
  bodies!: string | null;
}
