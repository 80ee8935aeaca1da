// Instance-local cache of tenants' rows, validated against the store on every use. A read first asks the store for
// the tenant's generation (one indexed row) and uses the cached rows only if it is the one they were read at; every
// write, through any instance, increases it in the write's own transaction (store migration 004). So a cache hit is
// never stale, instances still share no state they rely on, and a list costs one small read instead of the rows.
import type { ConnectorRepository, ConnectorRow } from '../store/repository.js';

interface Entry {
  generation: number;
  rows: readonly ConnectorRow[];
  byId: ReadonlyMap<string, ConnectorRow>;
}

export class TenantReadCache {
  // Map iteration order is insertion order: re-inserting on use makes the first key the least recently used.
  readonly #entries = new Map<string, Entry>();

  /** `maxTenants` 0 turns the cache off: every read goes to the store. */
  constructor(
    private readonly repository: ConnectorRepository,
    readonly maxTenants: number,
  ) {}

  async list(tenantId: string): Promise<readonly ConnectorRow[]> {
    return (await this.load(tenantId)).rows;
  }

  async get(tenantId: string, id: string): Promise<ConnectorRow | undefined> {
    if (this.maxTenants <= 0) return this.repository.get(tenantId, id);
    // A miss loads the whole tenant (at most MAX_CONNECTORS_PER_TENANT rows, one read), so the GETs that follow are
    // answered from it. A valid entry holds every row of the tenant: an id it lacks does not exist.
    return (await this.load(tenantId)).byId.get(id);
  }

  /** Drops the tenant after this instance writes to it (the generation check would catch it; this frees memory). */
  forget(tenantId: string): void {
    this.#entries.delete(tenantId);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The tenant's rows: the cached entry while its generation holds, else a fresh snapshot (remembered). */
  private async load(tenantId: string): Promise<Entry> {
    const entry = await this.current(tenantId);
    if (entry) return entry;
    const snapshot = await this.repository.listSnapshot(tenantId);
    const fresh = toEntry(snapshot.generation ?? -1, snapshot.rows);
    if (snapshot.generation !== undefined) this.remember(tenantId, fresh);
    return fresh;
  }

  /** The tenant's entry if it is still valid; a stale one is dropped. Without an entry, the store is not asked. */
  private async current(tenantId: string): Promise<Entry | undefined> {
    const entry = this.#entries.get(tenantId);
    if (!entry) return undefined;
    const generation = await this.repository.generation(tenantId);
    const stillCached = this.#entries.get(tenantId) === entry; // other requests ran during the await
    if (generation !== entry.generation) {
      if (stillCached) this.#entries.delete(tenantId);
      return undefined;
    }
    if (stillCached) {
      this.#entries.delete(tenantId);
      this.#entries.set(tenantId, entry);
    }
    return entry;
  }

  private remember(tenantId: string, entry: Entry): void {
    if (this.maxTenants <= 0) return;
    const known = this.#entries.get(tenantId);
    if (known && known.generation > entry.generation) return; // a concurrent read already cached a newer snapshot
    this.#entries.delete(tenantId);
    while (this.#entries.size >= this.maxTenants) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(tenantId, entry);
  }
}

function toEntry(generation: number, rows: ConnectorRow[]): Entry {
  return { generation, rows, byId: new Map(rows.map((row) => [row.id, row])) };
}
