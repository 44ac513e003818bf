import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A queue job a replica is working on (ticks, syncs): when that replica's heartbeat stops, a live
 * replica hands the job back to the queue instead of waiting for pg-boss' expiry.
 */
@Entity({ name: 'job_claim' })
@Index('job_claim_node', ['nodeId'])
export class JobClaimEntity {
  @PrimaryColumn({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @Column({ type: 'text' })
  queue!: string;

  @Column({ name: 'node_id', type: 'uuid' })
  nodeId!: string;

  @Column({ name: 'claimed_at', type: 'timestamptz' })
  claimedAt!: Date;
}
