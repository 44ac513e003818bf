import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One try of one step: the exact bodies exchanged (secrets removed), their hashes, the outcome. */
@Entity({ name: 'transfer_attempt' })
@Index('transfer_attempt_transfer', ['transferId', 'startedAt'])
export class TransferAttemptEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'transfer_id', type: 'uuid' })
  transferId!: string;

  @Column({ type: 'int' })
  version!: number;

  /** submit, approve, send, confirm, readback (before a resend), extract. */
  @Column({ type: 'text' })
  step!: string;

  @Column({ type: 'text', nullable: true })
  account!: string | null;

  /** The replica (gateway node) that made the attempt. */
  @Column({ type: 'text', nullable: true })
  node!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz' })
  finishedAt!: Date;

  /** ok, failed, unknown (no answer), adopted (read back and taken over). */
  @Column({ type: 'text' })
  outcome!: string;

  @Column({ name: 'http_status', type: 'int', nullable: true })
  httpStatus!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  request!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  response!: unknown;

  @Column({ name: 'request_sha256', type: 'text', nullable: true })
  requestSha256!: string | null;

  @Column({ name: 'response_sha256', type: 'text', nullable: true })
  responseSha256!: string | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'boolean', nullable: true })
  retryable!: boolean | null;
}
