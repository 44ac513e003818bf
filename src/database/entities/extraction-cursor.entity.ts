import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Per unit and period: provincial reports updated since this instant are read again. Advanced only
 * after the national side confirmed what was read (Singer's rule), so nothing read is lost.
 */
@Entity({ name: 'extraction_cursor' })
export class ExtractionCursorEntity {
  @PrimaryColumn({ name: 'period_id', type: 'text' })
  periodId!: string;

  @PrimaryColumn({ name: 'unit_code', type: 'text' })
  unitCode!: string;

  @Column({ name: 'updated_since', type: 'timestamptz' })
  updatedSince!: Date;

  @Column({ name: 'advanced_at', type: 'timestamptz' })
  advancedAt!: Date;
}
