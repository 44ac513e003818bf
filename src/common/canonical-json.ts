/**
 * Canonical JSON in the manner of RFC 8785 (JCS): object keys sorted by UTF-16 code units (the
 * default order of Array.prototype.sort), no whitespace, numbers in their shortest round-trip
 * form, strings as JSON.stringify writes them. The content key of a transfer and the bytes a unit
 * signs are this text.
 *
 * It runs for every packet mapped and every audit event chained, so it remembers what repeats:
 * the sorted order of each set of keys it has met (with the keys already quoted) and short
 * strings already quoted. Both memories are bounded; past the bound it works without them.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError('canonical JSON has no representation for NaN or Infinity');
      // For a finite number, String() is the shortest round-trip form JSON.stringify writes.
      return String(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        if (value.length === 0) return '[]';
        let text = '[';
        for (let index = 0; index < value.length; index++) {
          if (index > 0) text += ',';
          const item: unknown = value[index];
          text += item === undefined ? 'null' : canonicalJson(item);
        }
        return `${text}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.length === 0) return '{}';
      const order = sortedKeys(keys);
      let text = '{';
      let first = true;
      for (const [key, prefix] of order) {
        const child = record[key];
        if (child === undefined) continue;
        if (first) first = false;
        else text += ',';
        text += prefix + canonicalJson(child);
      }
      return `${text}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot represent a ${typeof value}`);
  }
}

const REMEMBERED = 10_000;
const SETS_PER_FIRST_KEY = 16;
type Order = ReadonlyArray<readonly [string, string]>;
/**
 * Sets of keys met, by their first key: the keys in the object's own order and the same keys
 * sorted, each with its quoted prefix. Keys of objects are mostly interned strings, so comparing
 * a set with one met before is a few pointer comparisons; at most 16 sets share a first key.
 */
const orders = new Map<string, Array<{ keys: readonly string[]; order: Order }>>();
let remembered = 0;
const quoted = new Map<string, string>();

function sortedKeys(keys: string[]): Order {
  const candidates = keys.length ? orders.get(keys[0]) : undefined;
  if (candidates)
    for (const candidate of candidates) if (sameKeys(candidate.keys, keys)) return candidate.order;
  const order = [...keys].sort().map((key) => [key, `${JSON.stringify(key)}:`] as const);
  if (remembered < REMEMBERED && keys.length && (candidates?.length ?? 0) < SETS_PER_FIRST_KEY) {
    remembered++;
    if (candidates) candidates.push({ keys, order });
    else orders.set(keys[0], [{ keys, order }]);
  }
  return order;
}

function sameKeys(known: readonly string[], keys: readonly string[]): boolean {
  if (known.length !== keys.length) return false;
  for (let index = 0; index < keys.length; index++) if (known[index] !== keys[index]) return false;
  return true;
}

/**
 * What JSON.stringify escapes in a string: a quotation mark, a backslash, a control character or
 * a surrogate (it escapes a lone one; a string with any goes to JSON.stringify itself).
 */
// eslint-disable-next-line no-control-regex -- the control characters are what is looked for
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Whether a string's JSON is the string itself between quotation marks (nothing to escape). */
export function quotedAsIs(text: string): boolean {
  return !ESCAPED.test(text);
}

function quote(text: string): string {
  // A long text with nothing to escape (most report prose) is its own JSON between quotation
  // marks, which is written at a fraction of JSON.stringify's cost for Vietnamese text.
  if (text.length > 64) return ESCAPED.test(text) ? JSON.stringify(text) : `"${text}"`;
  let result = quoted.get(text);
  if (result === undefined) {
    result = JSON.stringify(text);
    if (quoted.size < REMEMBERED) quoted.set(text, result);
  }
  return result;
}
