import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * missing: the national system lacks a copy the gateway confirmed; different: its copy differs,
 * field by field; unexpected: it holds a submission the gateway never sent; returned: it sent a
 * submission back for correction.
 */
export type DiscrepancyKind = 'missing' | 'different' | 'unexpected' | 'returned';
export type DiscrepancyStatus = 'open' | 'resolved' | 'repushed';

/** What reconciliation found, for operators to resolve (with a reason) or re-push. */
@Entity({ name: 'discrepancy' })
@Index('discrepancy_open', ['periodId', 'unitCode', 'formCode', 'kind'], {
  unique: true,
  where: `status = 'open'`,
})
@Index('discrepancy_transfer', ['transferId'])
export class DiscrepancyEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'period_id', type: 'text' })
  periodId!: string;

  @Column({ name: 'unit_code', type: 'text' })
  unitCode!: string;

  @Column({ name: 'form_code', type: 'text' })
  formCode!: string;

  @Column({ name: 'transfer_id', type: 'uuid', nullable: true })
  transferId!: string | null;

  @Column({ type: 'text' })
  kind!: DiscrepancyKind;

  /** The national submission, and for `different` each field: path, what was sent, what is held. */
  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;

  @Column({ type: 'text', default: 'open' })
  status!: DiscrepancyStatus;

  @Column({ name: 'detected_at', type: 'timestamptz' })
  detectedAt!: Date;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'resolved_by', type: 'text', nullable: true })
  resolvedBy!: string | null;

  @Column({ type: 'text', nullable: true })
  resolution!: string | null;
}
