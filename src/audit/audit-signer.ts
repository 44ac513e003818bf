import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config/app-config';
import { demoSecret } from '../config/demo-secrets';
import { projectRoot } from '../config/project-root';
import { checkpointPayload, type CheckpointStatement } from './audit-chain';

/** The audit signing key is missing or not one the gateway can sign with. */
export class AuditKeyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AuditKeyError';
  }
}

/** The Ed25519 key that signs checkpoints. Its public half goes with every exported checkpoint. */
export class AuditSigner {
  readonly publicKeyPem: string;
  readonly keyId: string;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new AuditKeyError(
        'AUDIT_KEY_NOT_ED25519',
        `Khóa ký nhật ký kiểm toán phải là Ed25519, không phải ${privateKey.asymmetricKeyType}`,
      );
    const publicKey = createPublicKey(privateKey);
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = keyIdOf(publicKey);
  }

  /** From the configuration; in demo mode without a key, one generated once under .data/audit/. */
  static fromConfig(config: AppConfig): AuditSigner {
    const { signingKey, signingKeyFile } = config.audit;
    let pem: string;
    if (signingKey) pem = signingKey;
    else if (signingKeyFile) {
      try {
        pem = readFileSync(path.resolve(projectRoot, signingKeyFile), 'utf8');
      } catch (error) {
        throw new AuditKeyError(
          'AUDIT_KEY_FILE_UNREADABLE',
          `Không đọc được audit.signingKeyFile ${signingKeyFile}: ${(error as Error).message}`,
        );
      }
    } else if (config.mode === 'demo')
      pem = demoSecret(config, 'baocao-audit-signing-key.pem', 'audit/signing-key.pem', () =>
        generateKeyPairSync('ed25519')
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      );
    else
      throw new AuditKeyError(
        'AUDIT_KEY_REQUIRED',
        'Ngoài chế độ demo cần có audit.signingKey hoặc audit.signingKeyFile',
      );
    try {
      return new AuditSigner(createPrivateKey(pem));
    } catch (error) {
      if (error instanceof AuditKeyError) throw error;
      throw new AuditKeyError(
        'AUDIT_KEY_NOT_PEM',
        'Khóa ký nhật ký kiểm toán không phải khóa riêng dạng PEM',
      );
    }
  }

  static generate(): AuditSigner {
    return new AuditSigner(generateKeyPairSync('ed25519').privateKey);
  }

  sign(statement: Omit<CheckpointStatement, 'keyId'>): {
    statement: CheckpointStatement;
    signature: string;
  } {
    const full = { ...statement, keyId: this.keyId };
    return {
      statement: full,
      signature: sign(null, checkpointPayload(full), this.privateKey).toString('base64'),
    };
  }
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function verifyCheckpointSignature(
  statement: CheckpointStatement,
  signature: string,
  publicKeyPem: string,
): boolean {
  try {
    const publicKey = createPublicKey(publicKeyPem);
    return (
      keyIdOf(publicKey) === statement.keyId &&
      verify(null, checkpointPayload(statement), publicKey, Buffer.from(signature, 'base64'))
    );
  } catch {
    return false;
  }
}
