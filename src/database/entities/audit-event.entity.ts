import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One event of the transfer log, chained: `hash` covers the event's canonical content (its `seq`
 * included) and `prevHash`. Append-only in the database itself (see the AuditTriggers migration).
 */
@Entity({ name: 'audit_event' })
@Index('audit_event_occurred_at', ['occurredAt'])
@Index('audit_event_unit_period_seq', ['unitCode', 'periodId', 'seq'])
@Index('audit_event_unit_seq', ['unitCode', 'seq'])
@Index('audit_event_transfer', ['transferId'])
@Index('audit_event_actor', ['actor'])
export class AuditEventEntity {
  /** Position in the chain, from 1, without gaps. A bigint: TypeORM hands it over as a string. */
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'chained_at', type: 'timestamptz' })
  chainedAt!: Date;

  /** "schedule", "system", or the person from the token (their SSO subject). */
  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'unit_code', type: 'text', nullable: true })
  unitCode!: string | null;

  @Column({ name: 'form_code', type: 'text', nullable: true })
  formCode!: string | null;

  @Column({ name: 'period_id', type: 'text', nullable: true })
  periodId!: string | null;

  @Column({ name: 'transfer_id', type: 'uuid', nullable: true })
  transferId!: string | null;

  @Column({ type: 'text' })
  outcome!: string;

  @Column({ name: 'request_sha256', type: 'text', nullable: true })
  requestSha256!: string | null;

  @Column({ name: 'response_sha256', type: 'text', nullable: true })
  responseSha256!: string | null;

  /**
   * The request and response bodies with secrets removed, or a reference to where they are kept:
   * canonical JSON text, exactly as the hash covers it.
   */
  @Column({ type: 'text', nullable: true })
  bodies!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  /** Canonical JSON text, as the hash covers it. */
  @Column({ type: 'text', nullable: true })
  details!: string | null;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column({ type: 'text' })
  hash!: string;
}
