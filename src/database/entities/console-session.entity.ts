import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { SealedColumns } from './sealed-columns';

/**
 * A person signed in to the console. The browser holds only a random token; the row is found by
 * its SHA-256, so a copy of the table opens no session. The SSO's tokens are sealed with the
 * vault key and never leave the gateway.
 */
@Entity({ name: 'console_session' })
@Index('console_session_expiry', ['expiresAt'])
export class ConsoleSessionEntity extends SealedColumns {
  /** SHA-256 (hex) of the cookie's token. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ type: 'jsonb' })
  roles!: string[];

  /** A district or a unit the person is limited to, from the SSO's claims; null: the province. */
  @Column({ name: 'scope_kind', type: 'text', nullable: true })
  scopeKind!: 'district' | 'unit' | null;

  @Column({ name: 'scope_code', type: 'text', nullable: true })
  scopeCode!: string | null;

  /** The synchronizer token every form that changes something must carry. */
  @Column({ name: 'csrf_token', type: 'text' })
  csrfToken!: string;

  /** When the gateway next asks the SSO whether the person's session stands. */
  @Column({ name: 'sso_check_at', type: 'timestamptz' })
  ssoCheckAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  /** The absolute end (console.maxHours after sign-in). */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
