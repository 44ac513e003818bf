import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config/app-config';
import { demoSecret } from '../config/demo-secrets';
import { projectRoot } from '../config/project-root';

/** The vault key is missing, malformed, or not the one a secret was sealed with. */
export class VaultKeyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'VaultKeyError';
  }
}

/** A secret as stored: which key sealed it, the 96-bit nonce, the ciphertext and the GCM tag. */
export interface Sealed {
  keyId: string;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/**
 * The AES-256-GCM key of the credential vault. Each secret is sealed with a fresh random nonce and
 * bound to its row (system, account, kind) as additional data, so a ciphertext copied onto another
 * row does not open.
 */
export class VaultKey {
  readonly id: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32)
      throw new VaultKeyError(
        'VAULT_KEY_LENGTH',
        `Khóa kho bí mật phải dài 32 byte (AES-256); khóa này dài ${key.length} byte`,
      );
    this.id = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  /** From base64 text (the form kept in config and key files). */
  static parse(text: string): VaultKey {
    const trimmed = text.trim();
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed))
      throw new VaultKeyError(
        'VAULT_KEY_NOT_BASE64',
        'Khóa kho bí mật phải là chuỗi base64 của 32 byte ngẫu nhiên',
      );
    return new VaultKey(Buffer.from(trimmed, 'base64'));
  }

  static generate(): VaultKey {
    return new VaultKey(randomBytes(32));
  }

  /** From the configuration; in demo mode without a key, one generated once under .data/vault/. */
  static fromConfig(config: AppConfig): VaultKey {
    const { key, keyFile } = config.vault;
    if (key) return VaultKey.parse(key);
    if (keyFile) return VaultKey.parse(readKeyFile(path.resolve(projectRoot, keyFile)));
    if (config.mode === 'demo')
      return VaultKey.parse(
        demoSecret(
          config,
          'baocao-vault.key',
          'vault/key',
          () => `${VaultKey.generate().toText()}\n`,
        ),
      );
    throw new VaultKeyError(
      'VAULT_KEY_REQUIRED',
      'Ngoài chế độ demo cần có vault.key hoặc vault.keyFile',
    );
  }

  /** The key as base64 text, for writing a newly generated key to its file. */
  toText(): string {
    return this.key.toString('base64');
  }

  seal(plain: string, binding: string): Sealed {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(binding, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return { keyId: this.id, nonce, ciphertext, tag: cipher.getAuthTag() };
  }

  open(sealed: Sealed, binding: string): string {
    if (sealed.keyId !== this.id)
      throw new VaultKeyError(
        'VAULT_KEY_MISMATCH',
        `Bí mật được niêm phong bằng khóa kho ${sealed.keyId}, nhưng khóa đang cấu hình là ${this.id}`,
      );
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.nonce);
    decipher.setAAD(Buffer.from(binding, 'utf8'));
    decipher.setAuthTag(sealed.tag);
    try {
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultKeyError(
        'SECRET_TAMPERED',
        'Một bí mật đã lưu không xác thực được: nó đã bị sửa hoặc chuyển sang dòng khác',
      );
    }
  }
}

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new VaultKeyError(
      'VAULT_KEY_FILE_UNREADABLE',
      `Không đọc được vault.keyFile ${file}: ${(error as Error).message}`,
    );
  }
}
