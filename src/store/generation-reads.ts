// Tenant generation reads (migration 004), coalesced. Every cached read asks for its tenant's generation first
// (src/connectors/read-cache.ts); here the reads asked for during one turn of the event loop share one statement
// (PostgreSQL: one round trip for all their tenants; SQLite: one statement per distinct tenant).
//
// Why: under load this was one statement per request, and answering each request the moment its own read returned
// kept the server in step with the client, one small write and one wake-up at a time. Answered together, a cached
// GET went from ~70-110 µs of server CPU to ~40 µs on both stores (docs/performance.md).
//
// Freshness is that of one statement per read: the statement runs after the last read of its batch was asked for
// (setImmediate runs after every I/O callback of the turn), and it sees every transaction committed before it
// started (SQLite; PostgreSQL at READ COMMITTED). So a write acknowledged before a read was asked for is seen by that
// read, whichever instance made it. A read asked for while a statement is in flight waits for the next statement.

/** Reads the generations of some tenants; a tenant without a row is absent from the result. */
export type FetchGenerations = (tenantIds: string[]) => Promise<ReadonlyMap<string, number>>;

interface Waiters {
  promise: Promise<number | undefined>;
  resolve(generation: number | undefined): void;
  reject(error: unknown): void;
}

function waiters(): Waiters {
  let resolve!: Waiters['resolve'];
  let reject!: Waiters['reject'];
  const promise = new Promise<number | undefined>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class GenerationReads {
  /** Tenants asked for since the last fetch started; one promise per tenant, shared by its readers. */
  #pending = new Map<string, Waiters>();
  #scheduled = false;

  constructor(private readonly fetch: FetchGenerations) {}

  /** The tenant's generation, or undefined when the tenant has no row. */
  read(tenantId: string): Promise<number | undefined> {
    let entry = this.#pending.get(tenantId);
    if (!entry) {
      entry = waiters();
      this.#pending.set(tenantId, entry);
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#start());
    }
    return entry.promise;
  }

  #start(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = new Map();
    let fetched: Promise<ReadonlyMap<string, number>>;
    try {
      fetched = this.fetch([...batch.keys()]);
    } catch (error) {
      fetched = Promise.reject(error); // a fetch that throws instead of rejecting still answers its batch
    }
    fetched.then(
      (generations) => {
        for (const [tenantId, entry] of batch) entry.resolve(generations.get(tenantId));
      },
      (error: unknown) => {
        for (const entry of batch.values()) entry.reject(error);
      },
    );
  }
}
