import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { SealedColumns } from './sealed-columns';

/**
 * A person's provincial sign-in in progress (authorization code with PKCE): kept in the database
 * so the callback may land on any replica. The PKCE verifier is sealed like any secret.
 */
@Entity({ name: 'sign_in_request' })
export class SignInRequestEntity extends SealedColumns {
  /** The OAuth `state`: random, single use. */
  @PrimaryColumn({ type: 'text' })
  state!: string;

  @Column({ name: 'requested_by', type: 'text' })
  requestedBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
