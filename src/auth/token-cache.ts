// Verified-token cache: the hot path skips signature checks for a token seen before.
// Keys are SHA-256 digests, so no token is kept in memory longer than the request that carried it.
import { hash } from 'node:crypto';

export interface CachedDecision<T> {
  /** Milliseconds since the epoch after which the entry must not be used (the token's exp plus skew). */
  validUntilMs: number;
  /** Milliseconds before which the entry must not be used (the token's nbf minus skew). */
  validFromMs: number;
  value: T;
}

/** A bounded map with least-recently-used eviction; entries also expire with their token. */
export class TokenCache<T> {
  readonly #entries = new Map<string, CachedDecision<T>>();

  constructor(readonly maxEntries: number) {}

  static keyOf(token: string): string {
    return hash('sha256', token, 'base64url'); // one-shot: ~1 µs cheaper than createHash() per request
  }

  get(key: string, nowMs: number): T | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (nowMs > entry.validUntilMs) {
      this.#entries.delete(key);
      return undefined;
    }
    if (nowMs < entry.validFromMs) return undefined;
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, entry: CachedDecision<T>): void {
    if (this.maxEntries <= 0) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, entry);
  }

  get size(): number {
    return this.#entries.size;
  }
}
