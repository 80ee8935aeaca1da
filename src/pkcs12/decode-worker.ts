// Piscina worker of decodePkcs12InWorker (./pool.ts): one whole decode per task, on this thread. Every key
// derivation runs synchronously here (pbkdf2Sync, the appendix B KDF inline: no libuv thread pool, no nested
// pool), and the thread runs at a lowered CPU priority so that the event loop wins the CPU when both want it.
import { workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { deriveSynchronously } from './derive.js';
import { serializePkcs12Error } from './errors.js';
import { decodePkcs12 } from './index.js';
import { lowerThreadPriority } from './threads.js';
import { Pkcs12Error } from './types.js';
import { type DecodeReply, type DecodeTask, niceIncrementOf, packDecoded } from './wire.js';

// After the imports (module loading is done at normal priority) and before the first task.
deriveSynchronously();
lowerThreadPriority(niceIncrementOf(workerData));

export default async function decodeTask(task: DecodeTask): Promise<unknown> {
  try {
    const { decoded, transfer } = packDecoded(await decodePkcs12(task.bytes, task.password, task.options));
    const reply: DecodeReply = { ok: true, decoded };
    // Transferred: afterwards this thread holds no reference to the result's memory (the key is not copied).
    return move({ [transferableSymbol]: transfer, [valueSymbol]: reply });
  } catch (error) {
    if (!(error instanceof Pkcs12Error)) throw error; // a bug: piscina rejects the caller's promise with it
    const reply: DecodeReply = { ok: false, error: serializePkcs12Error(error) };
    return reply;
  } finally {
    task.bytes.fill(0); // this thread's copy of the input (an unencrypted file's key bag is in it)
  }
}
