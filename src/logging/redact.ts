/**
 * Secret scrubbing for everything that leaves the process as text: log lines, error bodies,
 * audit records. Two nets: keys that name a secret, and string shapes that are secrets
 * whatever key holds them (bearer tokens, JWTs, URL passwords, secret query parameters).
 */
import { rememberUpTo } from '../common/remember';

export const REDACTED = '[redacted]';

const SECRET_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie|password|passwd|pwd|passphrase|secret|assertion|code[-_]?verifier|pfx|p12|token[-_]?set|(access|refresh|id|bearer)[-_]?token)$/i;

const SECRET_KEY_END = /(secret|password|passphrase|private[-_]?key|api[-_]?key|token)$/i;

/** Whether a key names a secret, remembered: the same few hundred keys come back all the time. */
export const isSecretKey = rememberUpTo(
  10_000,
  (key: string): boolean => SECRET_KEY.test(key) || SECRET_KEY_END.test(key),
);

export const SECRET_SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/(\/\/[^/\s:@]+:)[^@\s/]+@/g, `$1${REDACTED}@`],
  [
    /([?&](?:access_token|refresh_token|id_token|token|client_secret|password|code|api_key)=)[^&#\s"]*/gi,
    `$1${REDACTED}`,
  ],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, REDACTED],
];

/**
 * What every secret shape above contains (a scheme word, "eyJ", "//", "=", a PEM armour line):
 * a string with none of them is returned as it is, after one test instead of five replaces.
 */
const MAY_HOLD_SECRET = /bearer|basic|eyJ|\/\/|=|-----BEGIN/i;

export function scrubText(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  let result = text;
  for (const [pattern, replacement] of SECRET_SHAPES) result = result.replace(pattern, replacement);
  return result;
}

/** A deep copy with secret keys replaced and secret shapes removed from every string. */
export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) {
    const copy: Record<string, unknown> = {
      type: value.name,
      message: scrubText(value.message),
      stack: value.stack ? scrubText(value.stack) : undefined,
    };
    for (const [key, child] of Object.entries(value)) {
      copy[key] = isSecretKey(key) ? REDACTED : scrub(child, depth + 1);
    }
    if (value.cause !== undefined) copy.cause = scrub(value.cause, depth + 1);
    return copy;
  }
  if (Array.isArray(value)) return value.map((child) => scrub(child, depth + 1));
  // Only plain records are walked; class instances (requests, responses, buffers, dates) belong
  // to the serializers that know their shape.
  // Compared by shape rather than identity: objects from another realm (a vm context) have
  // another Object.prototype.
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== null && Object.getPrototypeOf(prototype) !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    copy[key] =
      isSecretKey(key) && child !== null && child !== undefined
        ? REDACTED
        : scrub(child, depth + 1);
  }
  return copy;
}
