import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Events moved out of the database to a file by the retention path; append-only. */
@Entity({ name: 'audit_archive' })
export class AuditArchiveEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'from_seq', type: 'bigint' })
  fromSeq!: string;

  @Column({ name: 'to_seq', type: 'bigint' })
  toSeq!: string;

  /** prev_hash of the first archived event: where the file's chain starts. */
  @Column({ name: 'start_prev_hash', type: 'text' })
  startPrevHash!: string;

  /** hash of the last archived event: where the chain in the database goes on. */
  @Column({ name: 'end_hash', type: 'text' })
  endHash!: string;

  @Column({ name: 'file_name', type: 'text' })
  fileName!: string;

  @Column({ name: 'file_sha256', type: 'text' })
  fileSha256!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;
}
