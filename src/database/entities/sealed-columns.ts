import { Column } from 'typeorm';

/**
 * A secret as the vault key seals it (AES-256-GCM, see vault/vault-key.ts): which key, the
 * nonce, the ciphertext and the tag. The tables that keep a secret extend this.
 */
export abstract class SealedColumns {
  @Column({ name: 'key_id', type: 'text' })
  keyId!: string;

  @Column({ type: 'bytea' })
  nonce!: Buffer;

  @Column({ type: 'bytea' })
  ciphertext!: Buffer;

  @Column({ type: 'bytea' })
  tag!: Buffer;
}
