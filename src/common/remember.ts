/**
 * `make`'s answers remembered per key, up to `limit` keys; when full, all are forgotten and
 * remembered again as they are asked for. For hot paths that see the same few keys again and again
 * (statement texts, log keys, certificates, keys): no bookkeeping per hit, unlike an LRU, and the
 * working set refills at once after a clear.
 */
export function rememberUpTo<K, V>(limit: number, make: (key: K) => V): (key: K) => V {
  const kept = new Map<K, V>();
  return (key) => {
    let value = kept.get(key);
    if (value === undefined) {
      if (kept.size >= limit) kept.clear();
      value = make(key);
      kept.set(key, value);
    }
    return value;
  };
}

/**
 * `make`'s answer for each object, made once and kept as long as the object lives (a WeakMap):
 * for what is worked out once per form, mapping, catalogue or list the registry keeps.
 */
export function rememberPer<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const kept = new WeakMap<K, V>();
  return (key) => {
    let value = kept.get(key);
    if (value === undefined && !kept.has(key)) {
      value = make(key);
      kept.set(key, value);
    }
    return value as V;
  };
}
