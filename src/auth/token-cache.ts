// Verified-token cache: the hot path skips signature checks for a token seen before.
// Keys are SHA-256 digests (of the Authorization header), so no token is kept in memory longer than the request that
// carried it.
import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export interface CachedDecision<T> {
  /** Milliseconds since the epoch after which the entry must not be used (the token's exp plus skew). */
  validUntilMs: number;
  /** Milliseconds before which the entry must not be used (the token's nbf minus skew). */
  validFromMs: number;
  value: T;
}

/** Bounded, least recently used first out (lru-cache); entries also expire with their token. */
export class TokenCache<T> {
  readonly #entries: LRUCache<string, CachedDecision<T>> | undefined;

  /** `maxEntries` 0 caches nothing. */
  constructor(readonly maxEntries: number) {
    this.#entries = maxEntries > 0 ? new LRUCache({ max: maxEntries }) : undefined;
  }

  static keyOf(authorization: string): string {
    return hash('sha256', authorization, 'base64url'); // one-shot: ~1 µs cheaper than createHash() per request
  }

  get(key: string, nowMs: number): T | undefined {
    const entry = this.#entries?.get(key); // also marks it most recently used
    if (entry === undefined) return undefined;
    if (nowMs > entry.validUntilMs) {
      this.#entries?.delete(key);
      return undefined;
    }
    if (nowMs < entry.validFromMs) return undefined;
    return entry.value;
  }

  set(key: string, entry: CachedDecision<T>): void {
    this.#entries?.set(key, entry);
  }

  get size(): number {
    return this.#entries?.size ?? 0;
  }
}
