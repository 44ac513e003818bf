/**
 * What was opened from the vault, per key, kept for `ttlMs`: concurrent callers share one
 * opening, and a failed opening is not kept. `clear()` after a change made through this replica;
 * another replica's change is seen within `ttlMs`.
 */
export class KeptOpenings<T> {
  private readonly kept = new Map<string, { until: number; value: Promise<T> }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, open: () => Promise<T>): Promise<T> {
    const cached = this.kept.get(key);
    if (cached && cached.until > Date.now()) return cached.value;
    const value = open();
    this.kept.set(key, { until: Date.now() + this.ttlMs, value });
    // Only this opening: one that failed after a newer one took its place leaves that one kept.
    value.catch(() => {
      if (this.kept.get(key)?.value === value) this.kept.delete(key);
    });
    return value;
  }

  clear(): void {
    this.kept.clear();
  }
}
