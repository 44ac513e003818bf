import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The last state each cause of a message was sent for: one message per cause until its state
 * changes. The replica whose write changes the row sends; the others find it unchanged.
 */
@Entity({ name: 'notification_state' })
export class NotificationStateEntity {
  /** e.g. transfer-invalid:<id>, circuit:national, certificate:<credential id>. */
  @PrimaryColumn({ type: 'text' })
  cause!: string;

  @Column({ type: 'text' })
  state!: string;

  @Column({ name: 'sent_at', type: 'timestamptz' })
  sentAt!: Date;
}
