import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json';

/** The hash an empty chain starts from. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an event's hash covers: every column but the hashes, its position included. */
export interface ChainedContent {
  seq: string;
  occurredAt: string;
  actor: string;
  action: string;
  unitCode: string | null;
  formCode: string | null;
  periodId: string | null;
  transferId: string | null;
  outcome: string;
  requestSha256: string | null;
  responseSha256: string | null;
  bodies: Record<string, unknown> | null;
  reason: string | null;
  details: Record<string, unknown> | null;
}

export function eventHash(prevHash: string, content: ChainedContent): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalJson(content))
    .digest('hex');
}

export interface CheckpointStatement {
  seq: string;
  hash: string;
  signedAt: string;
  keyId: string;
}

/** The bytes a checkpoint signature covers. */
export function checkpointPayload(statement: CheckpointStatement): Buffer {
  return Buffer.from(canonicalJson(statement), 'utf8');
}

export function sha256Hex(value: unknown): string {
  return createHash('sha256')
    .update(typeof value === 'string' ? value : canonicalJson(value))
    .digest('hex');
}
