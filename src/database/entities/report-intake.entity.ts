import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { FieldError } from '../../contracts/national-wire';

/**
 * What the planner made of each provincial report it read for a period: planned into transfers,
 * skipped (not approved, unit not in force, …) or invalid before any form could be made. Skipped
 * reports have no transfer; this is where the board finds them.
 */
@Entity({ name: 'report_intake' })
@Index('report_intake_unit', ['unitCode', 'periodId'])
export class ReportIntakeEntity {
  @PrimaryColumn({ name: 'period_id', type: 'text' })
  periodId!: string;

  @PrimaryColumn({ name: 'report_id', type: 'text' })
  reportId!: string;

  @Column({ name: 'unit_code', type: 'text' })
  unitCode!: string;

  /** The report's status on the provincial system: draft, submitted, approved. */
  @Column({ name: 'report_status', type: 'text' })
  reportStatus!: string;

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  @Column({ type: 'text' })
  outcome!: 'planned' | 'skipped' | 'invalid';

  /** Why it was skipped or is invalid, in Vietnamese. */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  problems!: FieldError[];

  @Column({ name: 'seen_at', type: 'timestamptz' })
  seenAt!: Date;
}
