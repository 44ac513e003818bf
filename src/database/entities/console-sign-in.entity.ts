import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A console sign-in in progress: the PKCE verifier and the nonce, sealed, until the SSO sends the
 * browser back (to any replica). Single use, ten minutes.
 */
@Entity({ name: 'console_sign_in' })
export class ConsoleSignInEntity {
  /** The OAuth `state`. */
  @PrimaryColumn({ type: 'text' })
  state!: string;

  /** The console page to open after sign-in (a path of the console, checked). */
  @Column({ name: 'return_to', type: 'text' })
  returnTo!: string;

  @Column({ name: 'key_id', type: 'text' })
  keyId!: string;

  @Column({ type: 'bytea' })
  nonce!: Buffer;

  @Column({ type: 'bytea' })
  ciphertext!: Buffer;

  @Column({ type: 'bytea' })
  tag!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
