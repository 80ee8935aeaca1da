// What crosses the thread boundary between decodePkcs12InWorker (./pool.ts) and its worker (./decode-worker.ts).
// Structured clone delivers a Buffer as a plain Uint8Array and an Error without its class or `code`, so results
// travel as Uint8Arrays in ArrayBuffers of their own (transferred, not copied) and a Pkcs12Error as its fields.
import type { SerializedPkcs12Error } from './errors.js';
import type { DecodeOptions, DecodedPkcs12 } from './types.js';

/** workerData of every decode worker. */
export interface DecodeWorkerData {
  /** Added to the worker thread's nice value when it starts (threads.ts lowerThreadPriority); 0: unchanged. */
  niceIncrement: number;
}

export function niceIncrementOf(workerData: unknown): number {
  if (typeof workerData !== 'object' || workerData === null || !('niceIncrement' in workerData)) return 0;
  return typeof workerData.niceIncrement === 'number' ? workerData.niceIncrement : 0;
}

export interface DecodeTask {
  /** The .pfx bytes (already size-checked and base64-decoded), in an ArrayBuffer of their own. */
  bytes: Uint8Array;
  password: string;
  /** The resolved limits and `now` (the instant of the call, not of the worker's turn). */
  options: DecodeOptions;
}

/** DecodedPkcs12 with each Buffer as a Uint8Array that owns its whole ArrayBuffer. */
export interface WireDecoded extends Omit<DecodedPkcs12, 'leaf' | 'chain' | 'privateKeyPkcs8'> {
  leaf: Omit<DecodedPkcs12['leaf'], 'der'> & { der: Uint8Array };
  chain: Uint8Array[];
  privateKeyPkcs8: Uint8Array;
}

export type DecodeReply = { ok: true; decoded: WireDecoded } | { ok: false; error: SerializedPkcs12Error };

/**
 * `view` in an ArrayBuffer of its own, added to `transfer`. The same memory when it already spans its whole
 * ArrayBuffer (a key export, a buffer of 4 KiB or more); otherwise a copy: a small Buffer is a slice of Node's
 * shared 8 KiB pool, and transferring that slab would hand over (and detach) its neighbours' bytes too. With
 * `wipe`, a copied original is zeroed.
 */
function movable(view: Uint8Array, transfer: ArrayBuffer[], wipe: boolean): Uint8Array {
  const { buffer } = view;
  if (buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength) {
    transfer.push(buffer);
    return view;
  }
  const copy = new Uint8Array(view);
  if (wipe) view.fill(0);
  transfer.push(copy.buffer);
  return copy;
}

/** Worker side: the result as it is posted, and the ArrayBuffers to transfer with it. */
export function packDecoded(decoded: DecodedPkcs12): { decoded: WireDecoded; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  return {
    decoded: {
      ...decoded,
      leaf: { ...decoded.leaf, der: movable(decoded.leaf.der, transfer, false) },
      chain: decoded.chain.map((der) => movable(der, transfer, false)),
      privateKeyPkcs8: movable(decoded.privateKeyPkcs8, transfer, true),
    },
    transfer,
  };
}

const asBuffer = (view: Uint8Array) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);

/** Caller side: Buffers again, over the transferred memory (no copy). */
export function unpackDecoded(decoded: WireDecoded): DecodedPkcs12 {
  return {
    ...decoded,
    leaf: { ...decoded.leaf, der: asBuffer(decoded.leaf.der) },
    chain: decoded.chain.map(asBuffer),
    privateKeyPkcs8: asBuffer(decoded.privateKeyPkcs8),
  };
}
