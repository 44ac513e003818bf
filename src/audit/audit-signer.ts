import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config/app-config';
import { projectRoot } from '../config/project-root';
import { checkpointPayload, type CheckpointStatement } from './audit-chain';

export class AuditKeyError extends Error {}

/** The Ed25519 key that signs checkpoints. Its public half goes with every exported checkpoint. */
export class AuditSigner {
  readonly publicKeyPem: string;
  readonly keyId: string;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new AuditKeyError(
        `the audit signing key must be Ed25519, not ${privateKey.asymmetricKeyType}`,
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
          `audit.signingKeyFile ${signingKeyFile} cannot be read: ${(error as Error).message}`,
        );
      }
    } else if (config.mode === 'demo') pem = demoKey();
    else
      throw new AuditKeyError(
        'audit.signingKey or audit.signingKeyFile is required outside demo mode',
      );
    try {
      return new AuditSigner(createPrivateKey(pem));
    } catch (error) {
      if (error instanceof AuditKeyError) throw error;
      throw new AuditKeyError('the audit signing key is not a PEM private key');
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

function demoKey(): string {
  const file = path.join(projectRoot, '.data', 'audit', 'signing-key.pem');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
      mode: 0o600,
    });
  }
  return readFileSync(file, 'utf8');
}
