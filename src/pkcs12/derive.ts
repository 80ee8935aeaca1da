// Key derivation scheduling: where each derivation runs, and the per-file iteration budget.
// - PBKDF2 uses async crypto.pbkdf2 (libuv thread pool, native speed, never on the event loop).
// - The appendix B KDF is JS (./kdf.ts): small derivations run inline (a few hundred microseconds at most),
//   larger ones on a piscina worker pool so a 600,000-iteration file never stalls the event loop.
import { availableParallelism } from 'node:os';
import { pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import { Piscina } from 'piscina';
import type { HashName } from './algorithms.js';
import { type Pkcs12KdfParams, kdfCost, pkcs12Kdf } from './kdf.js';
import { errors } from './errors.js';

const pbkdf2Async = promisify(pbkdf2);

/**
 * Largest appendix B derivation (in hash iterations) run on the calling thread. 4,096 iterations of the
 * hand-written SHA-1/SHA-256 take roughly 1-2 ms; above that a worker round trip (~0.2 ms) is worth it.
 */
export const INLINE_KDF_MAX_COST = 4_096;

let pool: Piscina | undefined;
/** Set once a worker has answered: until then small derivations stay inline rather than wait for a thread. */
let poolWarm = false;

/** The worker file next to this module: .ts when running from source (tsx), .js when compiled to dist/. */
function workerFile(): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./kdf-worker${extension}`, import.meta.url).href;
}

function workerPool(): Piscina {
  if (!pool) {
    const created = new Piscina({
      filename: workerFile(),
      minThreads: 1,
      maxThreads: Math.max(2, availableParallelism()),
      idleTimeout: 60_000,
    });
    pool = created;
    // Warm-up task: marks the pool usable for small derivations once a thread has loaded the KDF.
    created
      .run({ hash: 'sha1', password: new Uint8Array(0), salt: new Uint8Array(1), id: 1, iterations: 1, length: 1 })
      .then(() => {
        if (pool === created) poolWarm = true;
      })
      .catch(() => undefined);
  }
  return pool;
}

/** Stops the KDF worker threads (idle workers do not keep the process alive; this is for clean shutdowns). */
export async function closeKdfWorkers(): Promise<void> {
  const current = pool;
  pool = undefined;
  poolWarm = false;
  await current?.destroy();
}

/**
 * Where a derivation runs: 'inline' keeps small ones on the calling thread; 'parallel' sends it to a warm
 * worker so that it overlaps with inline work of the same decode (used to split the several derivations of
 * a legacy file between the main thread and a worker). Large derivations always go to a worker.
 */
export type Placement = 'inline' | 'parallel';

export async function derivePkcs12Key(params: Pkcs12KdfParams, placement: Placement = 'inline'): Promise<Buffer> {
  const large = kdfCost(params) > INLINE_KDF_MAX_COST;
  if (!large && (placement === 'inline' || !poolWarm)) {
    if (placement === 'parallel') workerPool(); // start warming for the next file
    return pkcs12Kdf(params);
  }
  const result = (await workerPool().run(params)) as Uint8Array;
  return Buffer.from(result.buffer, result.byteOffset, result.byteLength);
}

export function derivePbkdf2(
  password: Buffer,
  salt: Buffer,
  iterations: number,
  length: number,
  hash: HashName,
): Promise<Buffer> {
  return pbkdf2Async(password, salt, iterations, length, hash);
}

/** Tracks the sum of iteration counts over one file; each count is charged before its derivation starts. */
export class IterationBudget {
  private used = 0;
  constructor(private readonly maxTotal: number) {}

  charge(iterations: number): void {
    this.used += iterations;
    if (this.used > this.maxTotal) throw errors.totalIterationLimit(this.used, this.maxTotal);
  }
}
