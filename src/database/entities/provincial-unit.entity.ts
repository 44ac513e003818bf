import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The provincial system's units as the planner last read them (with their history): the board
 * lists every unit in force for a period from here, and a person's district is resolved here.
 */
@Entity({ name: 'provincial_unit' })
@Index('provincial_unit_parent', ['parentCode'])
export class ProvincialUnitEntity {
  @PrimaryColumn({ name: 'office_code', type: 'text' })
  officeCode!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  level!: string;

  @Column({ name: 'parent_code', type: 'text', nullable: true })
  parentCode!: string | null;

  @Column({ name: 'valid_from', type: 'date' })
  validFrom!: string;

  @Column({ name: 'valid_to', type: 'date', nullable: true })
  validTo!: string | null;

  @Column({ name: 'seen_at', type: 'timestamptz' })
  seenAt!: Date;
}
