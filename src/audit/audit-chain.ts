import { hash } from 'node:crypto';
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
  /** Canonical JSON text (canonicalJson of the object), as stored. */
  bodies: string | null;
  reason: string | null;
  /** Canonical JSON text, as stored. */
  details: string | null;
}

/** Nothing JSON.stringify would escape: no quote, backslash, control character or surrogate. */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;
// Most fields (codes, instants, hashes) are plain: quoted as they are, after one test.
const text = (value: string | null): string =>
  value === null ? 'null' : PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
const json = (value: string | null): string => value ?? 'null';

/**
 * The key that joins bodies and details in an event's canonical text. The two are kept as text
 * and stand side by side there, so bytes moved from one to the other at this key hash alike: the
 * verifiers check that a bodies or details holding it is still one JSON value.
 */
export const DETAILS_KEY = ',"details":';

/** An object's canonical JSON text as events keep it, or null. */
export function canonicalText(value: Record<string, unknown> | null | undefined): string | null {
  return value === null || value === undefined ? null : canonicalJson(value);
}

/**
 * canonicalJson(content), written out for this one shape: the keys in their sorted order, so the
 * verifier does not sort fourteen keys a million times; bodies and details are already canonical
 * text. A property test holds it equal to canonicalJson.
 */
export function canonicalContent(content: ChainedContent): string {
  return (
    `{"action":${text(content.action)},"actor":${text(content.actor)},"bodies":${json(content.bodies)}` +
    `${DETAILS_KEY}${json(content.details)},"formCode":${text(content.formCode)},"occurredAt":${text(content.occurredAt)}` +
    `,"outcome":${text(content.outcome)},"periodId":${text(content.periodId)},"reason":${text(content.reason)}` +
    `,"requestSha256":${text(content.requestSha256)},"responseSha256":${text(content.responseSha256)}` +
    `,"seq":${text(content.seq)},"transferId":${text(content.transferId)},"unitCode":${text(content.unitCode)}}`
  );
}

export function eventHash(prevHash: string, content: ChainedContent): string {
  // crypto.hash, one call: half the cost of createHash().update().digest() on short inputs.
  return hash('sha256', `${prevHash}\n${canonicalContent(content)}`, 'hex');
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
  return hash('sha256', typeof value === 'string' ? value : canonicalJson(value), 'hex');
}
