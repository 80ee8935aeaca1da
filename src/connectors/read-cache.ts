// Instance-local cache of tenants' rows, validated against the store on every use. A read first asks the store for
// the tenant's generation (one indexed row) and uses the cached rows only if it is the one they were read at; every
// write, through any instance, increases it in the write's own transaction (store migration 004). So a cache hit is
// never stale, instances still share no state they rely on, and a list costs one small read instead of the rows.
// An entry also keeps what was rendered from it (response bodies), valid with the rows and the clock's activation
// window, so a repeated read skips building and serialising the same JSON again.
import { LRUCache } from 'lru-cache';
import type { ConnectorRepository, ConnectorRow } from '../store/repository.js';
import { activationWindow } from './activation.js';

/**
 * Bytes of rendered bodies kept per tenant: a full list of 20 connectors is ~8 KB, a connector ~0.4 KB. Past it they
 * are dropped and rebuilt as needed, so a tenant costs at most this plus its rows (~1 KB per connector).
 */
const MAX_RENDERED_BYTES = 32 * 1024;

interface Rendering {
  /** UTF-8, ready for the socket: a reused body is not encoded again. */
  body: Buffer;
  /** Whole seconds: the rendering holds for from <= now < until (activationWindow). */
  from: number;
  until: number;
}

/** A tenant's rows at one generation, and what was rendered from them. */
export class CachedTenant {
  readonly byId: ReadonlyMap<string, ConnectorRow>;
  readonly #renderings = new Map<string, Rendering>();
  #renderedBytes = 0;

  constructor(
    readonly generation: number,
    readonly rows: readonly ConnectorRow[],
  ) {
    this.byId = new Map(rows.map((row) => [row.id, row]));
  }

  /**
   * `produce()`'s body, or the one produced earlier under `key` while no certificate's isActive can have changed
   * since (the same activation window). `key` must name everything else the body depends on.
   */
  rendered(key: string, nowMs: number, produce: () => string): Buffer {
    const now = Math.floor(nowMs / 1000);
    const known = this.#renderings.get(key);
    if (known && known.from <= now && now < known.until) return known.body;
    const body = Buffer.from(produce(), 'utf8');
    if (known) this.#renderedBytes -= known.body.length;
    if (this.#renderedBytes + body.length > MAX_RENDERED_BYTES) {
      this.#renderings.clear();
      this.#renderedBytes = 0;
    }
    if (body.length > MAX_RENDERED_BYTES) return body; // too large to keep (a very large MAX_CONNECTORS_PER_TENANT)
    this.#renderings.set(key, { body, ...activationWindow(this.certificates(), nowMs) });
    this.#renderedBytes += body.length;
    return body;
  }

  private *certificates() {
    for (const row of this.rows) if (row.auth.kind === 'certificate') yield* row.auth.certificates;
  }
}

export class TenantReadCache {
  /** Least recently used tenants go first; undefined when the cache is off. */
  readonly #entries: LRUCache<string, CachedTenant> | undefined;

  /** `maxTenants` 0 turns the cache off: every read goes to the store. */
  constructor(
    private readonly repository: ConnectorRepository,
    readonly maxTenants: number,
  ) {
    this.#entries = maxTenants > 0 ? new LRUCache({ max: maxTenants }) : undefined;
  }

  async list(tenantId: string): Promise<readonly ConnectorRow[]> {
    return (await this.tenant(tenantId)).rows;
  }

  /** Drops the tenant after this instance writes to it (the generation check would catch it; this frees memory). */
  forget(tenantId: string): void {
    this.#entries?.delete(tenantId);
  }

  get size(): number {
    return this.#entries?.size ?? 0;
  }

  /**
   * The tenant's rows and renderings: the cached entry while its generation holds, else a fresh snapshot
   * (remembered, unless the cache is off or the store cannot tell the generation). A GET uses it too: a miss loads
   * the whole tenant (at most MAX_CONNECTORS_PER_TENANT rows, one read) and the GETs that follow are answered from
   * it; a valid entry holds every row of the tenant, so an id it lacks does not exist.
   */
  async tenant(tenantId: string): Promise<CachedTenant> {
    const entry = await this.current(tenantId);
    if (entry) return entry;
    const snapshot = await this.repository.listSnapshot(tenantId);
    const fresh = new CachedTenant(snapshot.generation ?? -1, snapshot.rows);
    if (snapshot.generation !== undefined) this.remember(tenantId, fresh);
    return fresh;
  }

  /** The tenant's entry if it is still valid; a stale one is dropped. Without an entry, the store is not asked. */
  private async current(tenantId: string): Promise<CachedTenant | undefined> {
    const entry = this.#entries?.get(tenantId); // marks it most recently used
    if (!entry) return undefined;
    const generation = await this.repository.generation(tenantId);
    if (generation === entry.generation) return entry;
    // Stale. Other requests ran during the await: drop it only if it is still the one cached.
    if (this.#entries?.peek(tenantId) === entry) this.#entries.delete(tenantId);
    return undefined;
  }

  private remember(tenantId: string, entry: CachedTenant): void {
    const known = this.#entries?.peek(tenantId);
    if (known && known.generation > entry.generation) return; // a concurrent read already cached a newer snapshot
    this.#entries?.set(tenantId, entry);
  }
}
