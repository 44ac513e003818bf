import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { FieldError } from '../../contracts/national-wire';

/**
 * planned → extracted → mapped → pushing → pushed → confirmed, with invalid (broke a form rule:
 * never retried by itself), failed (retry budget spent: dead letter), unknown (a push whose
 * outcome was lost: read back before any resend), drifted (the national copy differs), returned
 * (sent back for correction) and cancelled (by an operator).
 */
export type TransferState =
  | 'planned'
  | 'extracted'
  | 'mapped'
  | 'invalid'
  | 'pushing'
  | 'pushed'
  | 'confirmed'
  | 'failed'
  | 'unknown'
  | 'drifted'
  | 'returned'
  | 'cancelled';

/** The next national step of a push: enter (submit), approve, send, then confirm. */
export type TransferStep = 'submit' | 'approve' | 'send' | 'confirm';

/** One (period, unit, form): what the gateway moves to the national system, version by version. */
@Entity({ name: 'transfer' })
@Index('transfer_identity', ['periodId', 'unitCode', 'formCode'], { unique: true })
@Index('transfer_state', ['state', 'nextAttemptAt'])
// The operator's list, filtered, in (period, unit, form) order at a million rows (docs/performance.md).
@Index('transfer_state_order', ['state', 'periodId', 'unitCode', 'formCode'])
@Index('transfer_unit_order', ['unitCode', 'periodId', 'formCode'])
@Index('transfer_form_order', ['formCode', 'periodId', 'unitCode'])
@Index('transfer_level_order', ['level', 'periodId', 'unitCode', 'formCode'])
export class TransferEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'period_id', type: 'text' })
  periodId!: string;

  @Column({ name: 'unit_code', type: 'text' })
  unitCode!: string;

  @Column({ name: 'form_code', type: 'text' })
  formCode!: string;

  @Column({ type: 'text' })
  level!: string;

  @Column({ name: 'regime_code', type: 'text', nullable: true })
  regimeCode!: string | null;

  @Column({ type: 'text' })
  state!: TransferState;

  /** The content version: 1, then one more for each change of the provincial data. */
  @Column({ type: 'int', default: 1 })
  version!: number;

  @Column({ name: 'content_key', type: 'text', nullable: true })
  contentKey!: string | null;

  @Column({ name: 'mapping_version', type: 'text', nullable: true })
  mappingVersion!: string | null;

  /** The mapped national packet of the current version (clientReference = content key). */
  @Column({ type: 'jsonb', nullable: true })
  payload!: Record<string, unknown> | null;

  /** Why it is invalid: each problem with field, rule, expected and actual. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  problems!: FieldError[];

  @Column({ type: 'boolean', default: false })
  provisional!: boolean;

  @Column({ name: 'source_report_id', type: 'text', nullable: true })
  sourceReportId!: string | null;

  @Column({ name: 'source_updated_at', type: 'timestamptz', nullable: true })
  sourceUpdatedAt!: Date | null;

  @Column({ name: 'submission_id', type: 'text', nullable: true })
  submissionId!: string | null;

  @Column({ name: 'national_status', type: 'text', nullable: true })
  nationalStatus!: string | null;

  @Column({ type: 'text', nullable: true })
  step!: TransferStep | null;

  /** Tries of the current version. */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'last_error', type: 'jsonb', nullable: true })
  lastError!: Record<string, unknown> | null;

  /** A replica working on it holds it until then; a crashed one's lease simply runs out. */
  @Column({ name: 'leased_until', type: 'timestamptz', nullable: true })
  leasedUntil!: Date | null;

  @Column({ name: 'leased_by', type: 'text', nullable: true })
  leasedBy!: string | null;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
