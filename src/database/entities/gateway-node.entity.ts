import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One running gateway process. Several replicas share a database; this is how they see each other. */
@Entity({ name: 'gateway_node' })
export class GatewayNodeEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  hostname!: string;

  @Column({ type: 'integer' })
  pid!: number;

  @Column({ type: 'text' })
  version!: string;

  @Column({ type: 'text' })
  mode!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true })
  stoppedAt!: Date | null;
}
