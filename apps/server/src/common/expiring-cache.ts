/**
 * A bounded map whose entries expire: what a node read recently and may trust for a short while
 * (sessions, API keys, memberships). A TTL of 0 caches nothing. Past `maxEntries`, the oldest
 * entry goes first.
 */
export class ExpiringCache<Key, Value> {
  private readonly entries = new Map<Key, { value: Value; expiresAtMs: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  get(key: Key): Value | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.nowMs()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Keeps `value` for the TTL, or until `notAfterMs` when that comes first. */
  set(key: Key, value: Value, notAfterMs = Number.POSITIVE_INFINITY): void {
    if (this.ttlMs === 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAtMs: Math.min(this.nowMs() + this.ttlMs, notAfterMs) });
  }

  delete(key: Key): void {
    this.entries.delete(key);
  }

  /** Forgets every entry whose value matches. */
  evict(matches: (value: Value, key: Key) => boolean): void {
    for (const [key, entry] of this.entries) if (matches(entry.value, key)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
