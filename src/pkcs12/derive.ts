// Key derivation scheduling: where each derivation runs, and the per-file iteration budget.
// On the calling thread of an in-process decode (decodePkcs12 on the event loop):
// - PBKDF2 uses async crypto.pbkdf2 (libuv thread pool, native speed, never on the event loop).
// - The appendix B KDF is JS (./kdf.ts): small derivations run inline (about 2 ms at most), larger ones on a
//   piscina worker pool so a 600,000-iteration file never stalls the event loop.
// On a decode worker (./decode-worker.ts, after deriveSynchronously()): every derivation runs synchronously on
// that thread (pbkdf2Sync, the appendix B KDF inline): the worker is the thread to keep busy, no second pool.
import { pbkdf2, pbkdf2Sync } from 'node:crypto';
import { promisify } from 'node:util';
import { Piscina } from 'piscina';
import type { HashName } from './algorithms.js';
import { type Pkcs12KdfParams, kdfCost, pkcs12Kdf } from './kdf.js';
import { errors } from './errors.js';
import { defaultThreadCount, workerFile } from './threads.js';

const pbkdf2Async = promisify(pbkdf2);

/**
 * Largest appendix B derivation run on the calling thread, in estimated microseconds: about 2 ms, e.g. the
 * 2,048-iteration derivations of OpenSSL and Windows files. Larger ones go to a worker; below this size a
 * worker hop cost more than it saved on the 2-core VM we measured on (docs/pkcs12.md).
 */
export const INLINE_KDF_MAX_MICROS = 2_000;

/** Measured cost of one iteration (rounded up): the WebAssembly loops, crypto.hash (~1 µs) for the others. */
const MICROS_PER_ITERATION: Partial<Record<HashName, number>> = {
  sha1: 0.15,
  sha224: 0.25,
  sha256: 0.25,
  sha384: 0.3,
  sha512: 0.3,
  'sha512-256': 0.3,
};

function inline(params: Pkcs12KdfParams): boolean {
  return kdfCost(params) * (MICROS_PER_ITERATION[params.hash] ?? 1) <= INLINE_KDF_MAX_MICROS;
}

let synchronous = false;

/** Makes every later derivation of this thread synchronous (module state is per thread). For decode workers. */
export function deriveSynchronously(): void {
  synchronous = true;
}

/**
 * True when derivations run beside the calling thread (thread pools), so starting one before its result is
 * known to be needed (decryption while the MAC is checked) costs no time on the caller.
 */
export function derivationsRunConcurrently(): boolean {
  return !synchronous;
}

let pool: Piscina | undefined;

function workerPool(): Piscina {
  // Created on the first large derivation; one idle thread stays (unref'd: it does not keep the process alive).
  pool ??= new Piscina({
    filename: workerFile('kdf-worker'),
    minThreads: 1,
    maxThreads: Math.max(2, defaultThreadCount()),
    idleTimeout: 60_000,
  });
  return pool;
}

/** Stops the KDF worker threads (idle workers do not keep the process alive; this is for clean shutdowns). */
export async function closeDerivationWorkers(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.destroy();
}

export async function derivePkcs12Key(params: Pkcs12KdfParams): Promise<Buffer> {
  if (synchronous || inline(params)) return pkcs12Kdf(params);
  const result = (await workerPool().run(params)) as Uint8Array;
  return Buffer.from(result.buffer, result.byteOffset, result.byteLength);
}

export async function derivePbkdf2(
  password: Buffer,
  salt: Buffer,
  iterations: number,
  length: number,
  hash: HashName,
): Promise<Buffer> {
  if (synchronous) return pbkdf2Sync(password, salt, iterations, length, hash);
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
