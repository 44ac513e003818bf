import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Every content version of a transfer, kept: what was (or would have been) pushed, and why it changed. */
@Entity({ name: 'transfer_version' })
export class TransferVersionEntity {
  @PrimaryColumn({ name: 'transfer_id', type: 'uuid' })
  transferId!: string;

  @PrimaryColumn({ type: 'int' })
  version!: number;

  @Column({ name: 'content_key', type: 'text' })
  contentKey!: string;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'boolean' })
  valid!: boolean;

  @Column({ name: 'source_report_id', type: 'text', nullable: true })
  sourceReportId!: string | null;

  @Column({ name: 'source_updated_at', type: 'timestamptz', nullable: true })
  sourceUpdatedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
