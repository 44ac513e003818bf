import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { SealedColumns } from './sealed-columns';

/**
 * A console sign-in in progress: the PKCE verifier and the nonce, sealed, until the SSO sends the
 * browser back (to any replica). Single use, ten minutes.
 */
@Entity({ name: 'console_sign_in' })
export class ConsoleSignInEntity extends SealedColumns {
  /** The OAuth `state`. */
  @PrimaryColumn({ type: 'text' })
  state!: string;

  /** The console page to open after sign-in (a path of the console, checked). */
  @Column({ name: 'return_to', type: 'text' })
  returnTo!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
