import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A signed statement of the chain head: "event `seq` has hash `hash`", Ed25519, append-only. */
@Entity({ name: 'audit_checkpoint' })
export class AuditCheckpointEntity {
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'text' })
  hash!: string;

  @Column({ name: 'signed_at', type: 'timestamptz' })
  signedAt!: Date;

  /** First 16 hex digits of the SHA-256 of the public key (SPKI DER). */
  @Column({ name: 'key_id', type: 'text' })
  keyId!: string;

  /** The public key (SPKI PEM), so an exported checkpoint carries what verifies it. */
  @Column({ name: 'public_key', type: 'text' })
  publicKey!: string;

  /** Base64 Ed25519 signature over the canonical JSON of {seq, hash, signedAt, keyId}. */
  @Column({ type: 'text' })
  signature!: string;
}
