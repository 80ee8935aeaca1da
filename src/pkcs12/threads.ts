// Worker-thread plumbing shared by the two pools: derive.ts (large appendix B derivations of an in-process
// decode) and pool.ts (whole decodes, for the service).
import { readlinkSync } from 'node:fs';
import { availableParallelism, getPriority, setPriority } from 'node:os';

/** The worker module `name` next to this one: .ts when running from source (tsx), .js when compiled to dist/. */
export function workerFile(name: string): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${extension}`, import.meta.url).href;
}

/** One thread per core the process may use (os.availableParallelism), at least 1. */
export function defaultThreadCount(): number {
  return Math.max(1, availableParallelism());
}

/** Highest nice value on Linux (lowest priority). */
const MAX_NICE = 19;

/**
 * Raises the calling worker thread's nice value by `increment` (lower CPU priority), so that the event loop wins
 * the CPU when both want it. Returns the nice value now in effect, or undefined when nothing was changed: not
 * Linux, increment 0, called on the main thread, or the system refused. Never throws.
 *
 * Hand-written instead of piscina's `niceIncrement` option: piscina implements that with `@napi-rs/nice`, an
 * optional native module (a prebuilt binary per platform, missing with `--omit=optional` or on platforms without
 * a build, in which case piscina skips the call without a word). Node can do it without native code: on Linux a
 * thread is a task with its own nice value, setpriority(PRIO_PROCESS, tid) (os.setPriority) changes that thread
 * only, and /proc/thread-self names the calling thread ("PID/task/TID"). Elsewhere (macOS, Windows) the id
 * os.setPriority takes is a process id, so lowering it would slow the event loop too: nothing is done there.
 * Threads created later by a niced thread inherit its value; the decode workers create none (their derivations
 * are synchronous: no libuv thread pool work starts from them).
 */
export function lowerThreadPriority(increment: number): number | undefined {
  if (process.platform !== 'linux' || !Number.isFinite(increment) || increment <= 0) return undefined;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    // Never the main thread: its id is the process id, and its priority is the event loop's.
    if (!Number.isInteger(tid) || tid <= 0 || tid === process.pid) return undefined;
    setPriority(tid, Math.min(MAX_NICE, getPriority(tid) + Math.floor(increment)));
    return getPriority(tid);
  } catch {
    return undefined; // no /proc, or setpriority refused (e.g. a seccomp profile): run at normal priority
  }
}
