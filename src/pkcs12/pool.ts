// decodePkcs12InWorker: decodePkcs12 on a pool of worker threads (./decode-worker.ts). The event loop only checks
// the input's size and base64 and posts it; parsing, key derivations, decryption, key import and certificate
// facts run on the workers, which use every core and yield the CPU to the event loop (docs/pkcs12.md).
import { Piscina } from 'piscina';
import { revivePkcs12Error } from './errors.js';
import { limitsFrom, toBytes } from './input.js';
import { defaultThreadCount, workerFile } from './threads.js';
import type { DecodeOptions, DecodedPkcs12 } from './types.js';
import { type DecodeReply, type DecodeTask, type DecodeWorkerData, unpackDecoded } from './wire.js';

export interface DecodeWorkerOptions {
  /** Worker threads. Default: os.availableParallelism() (at least 1). */
  threads?: number;
  /** Added to each worker thread's nice value (Linux, 0-19). Default 10; 0 leaves the priority alone. */
  niceIncrement?: number;
}

export const DEFAULT_NICE_INCREMENT = 10;
/** An idle worker above the first is stopped after this long (the first stays; idle threads are unref'd). */
const IDLE_TIMEOUT_MS = 60_000;

let settings: DecodeWorkerOptions = {};
let pool: Piscina | undefined;

function checkSettings(options: DecodeWorkerOptions): DecodeWorkerOptions {
  const { threads, niceIncrement } = options;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new RangeError('threads must be a positive integer');
  }
  if (niceIncrement !== undefined && !(Number.isInteger(niceIncrement) && niceIncrement >= 0 && niceIncrement <= 19)) {
    throw new RangeError('niceIncrement must be an integer from 0 to 19');
  }
  return { ...options };
}

/**
 * Sets the pool's size and priority for the decodes that follow (process-wide). When they change, a running pool is
 * closed (its in-flight decodes fail) and the next decode starts one with the new settings; the same settings again
 * change nothing, so every app of a process may pass its configuration.
 */
export async function configureDecodeWorkers(options: DecodeWorkerOptions): Promise<void> {
  const next = checkSettings(options);
  if (next.threads === settings.threads && next.niceIncrement === settings.niceIncrement) return;
  settings = next;
  await closeDecodeWorkers();
}

function decodePool(): Piscina {
  // Created by the first decode; idle threads are unref'd by piscina, so they never keep the process alive.
  if (!pool) {
    const workerData: DecodeWorkerData = { niceIncrement: settings.niceIncrement ?? DEFAULT_NICE_INCREMENT };
    pool = new Piscina({
      filename: workerFile('decode-worker'),
      minThreads: 1,
      maxThreads: settings.threads ?? defaultThreadCount(),
      idleTimeout: IDLE_TIMEOUT_MS,
      workerData,
    });
  }
  return pool;
}

export async function closeDecodeWorkers(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.destroy();
}

/** decodePkcs12 on the worker pool: same arguments, same result, the same Pkcs12Error (class, code, message). */
export async function decodePkcs12InWorker(
  input: Buffer | Uint8Array | string,
  password: string,
  options: DecodeOptions = {},
): Promise<DecodedPkcs12> {
  const limits = limitsFrom(options);
  // Size and base64 are checked here, so an oversized or garbled body never reaches a worker. The bytes are
  // copied into an ArrayBuffer of their own and that is transferred: the caller keeps its input intact, and a
  // small Buffer (a slice of Node's shared pool) would otherwise carry its neighbours' bytes along.
  const bytes = new Uint8Array(toBytes(input, limits.maxBytes));
  const task: DecodeTask = { bytes, password, options: { ...limits, now: options.now ?? new Date() } };
  const reply = (await decodePool().run(task, { transferList: [bytes.buffer] })) as DecodeReply;
  if (!reply.ok) throw revivePkcs12Error(reply.error);
  return unpackDecoded(reply.decoded);
}
