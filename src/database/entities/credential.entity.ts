import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { SealedColumns } from './sealed-columns';

export type CredentialSystem = 'provincial' | 'national';
/**
 * client-secret: an account's secret for client credentials (a national unit account, the
 * provincial service account); refresh-token: a person's provincial sign-in kept by the gateway;
 * signing-key: a unit's private signing key, its certificate chain in `details`.
 */
export type CredentialKind = 'client-secret' | 'refresh-token' | 'signing-key';
export type CredentialStatus = 'active' | 'disabled';

/** One stored credential. The secret is sealed (AES-256-GCM); every other column is not secret. */
@Entity({ name: 'credential' })
@Index('credential_identity', ['system', 'account', 'kind'], { unique: true })
@Index('credential_unit', ['unitCode'])
export class CredentialEntity extends SealedColumns {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  system!: CredentialSystem;

  /** The account (client id, person's user name, or for a signing key the unit code). */
  @Column({ type: 'text' })
  account!: string;

  @Column({ type: 'text' })
  kind!: CredentialKind;

  /** The unit the account acts for; a national account is never used for another unit. */
  @Column({ name: 'unit_code', type: 'text', nullable: true })
  unitCode!: string | null;

  /** National rights of the account: nhap, tong_hop, duyet, gui. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  rights!: string[];

  @Column({ type: 'text', default: 'active' })
  status!: CredentialStatus;

  /** How many times the secret was replaced. */
  @Column({ type: 'int', default: 1 })
  version!: number;

  /** Public facts: a certificate chain and its validity, a person's name; never a secret. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  details!: Record<string, unknown>;

  @Column({ name: 'last_checked_at', type: 'timestamptz', nullable: true })
  lastCheckedAt!: Date | null;

  @Column({ name: 'last_check', type: 'text', nullable: true })
  lastCheck!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
