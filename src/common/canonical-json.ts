/**
 * Canonical JSON in the manner of RFC 8785 (JCS): object keys sorted by UTF-16 code units (the
 * default order of Array.prototype.sort), no whitespace, numbers in their shortest round-trip
 * form, strings as JSON.stringify writes them. The content key of a transfer and the bytes a unit
 * signs are this text.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError('canonical JSON has no representation for NaN or Infinity');
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let index = 0; index < value.length; index++) {
          if (index > 0) text += ',';
          const item: unknown = value[index];
          text += item === undefined ? 'null' : canonicalJson(item);
        }
        return `${text}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let text = '{';
      let first = true;
      for (const key of keys) {
        const child = record[key];
        if (child === undefined) continue;
        text += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(child)}`;
        first = false;
      }
      return `${text}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot represent a ${typeof value}`);
  }
}
