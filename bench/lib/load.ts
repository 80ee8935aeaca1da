// Load generation with autocannon 9, used programmatically. autocannon's own latency histogram keeps whole
// milliseconds only, too coarse for sub-millisecond reads, so response times are collected here from its
// 'response' events (float milliseconds, 2xx only) and percentiles computed from them.
import autocannon, { type Request } from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: 'GET' | 'POST';
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Called for every request: returns the path (and optionally headers) to use, e.g. to rotate ids or tokens. */
  next?: () => { path: string; headers?: Record<string, string> };
  /** Fixed request rate over all connections; unlimited (closed loop) when unset. */
  overallRate?: number;
}

export interface LoadResult {
  /** 2xx responses per second over the run. */
  requestsPerSecond: number;
  ok: number;
  /** Non-2xx responses, connection errors and timeouts: a healthy run has none. */
  failed: number;
  statusCodes: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  durationSeconds: number;
  /** The 2xx response times, sorted (milliseconds); for merging runs, not written to the results. */
  latencies: Float64Array;
}

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function median(values: number[]): number {
  return percentile(Float64Array.from(values).sort(), 50);
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const baseHeaders = { ...options.headers };
  if (options.body !== undefined) baseHeaders['content-type'] ??= 'application/json';
  const request: Request = {
    method: options.method ?? 'GET',
    path: options.path ?? '/',
    headers: baseHeaders,
    ...(options.body !== undefined ? { body: options.body } : {}),
  };
  const next = options.next;
  if (next) {
    request.setupRequest = (raw: Request) => {
      const chosen = next();
      return { ...raw, path: chosen.path, headers: { ...baseHeaders, ...chosen.headers } };
    };
  }
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        requests: [request],
        timeout: 30,
        ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
  const elapsedSeconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const sum = latencies.reduce((a, b) => a + b, 0);
  const non2xx = Object.entries(statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .reduce((n, [, count]) => n + count, 0);
  return {
    requestsPerSecond: latencies.length / elapsedSeconds,
    ok: latencies.length,
    failed: non2xx + result.errors + result.timeouts,
    statusCodes,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: latencies.length ? sum / latencies.length : Number.NaN,
    maxMs: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    durationSeconds: elapsedSeconds,
    latencies: sorted,
  };
}

/** Several runs of the same load as one: throughput over their total time, percentiles over all responses. */
export function mergeLoads(results: LoadResult[]): LoadResult {
  const total = results.reduce((n, r) => n + r.latencies.length, 0);
  const sorted = new Float64Array(total);
  let offset = 0;
  for (const r of results) {
    sorted.set(r.latencies, offset);
    offset += r.latencies.length;
  }
  sorted.sort();
  const statusCodes: Record<string, number> = {};
  for (const r of results) {
    for (const [code, count] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const durationSeconds = results.reduce((n, r) => n + r.durationSeconds, 0);
  const ok = results.reduce((n, r) => n + r.ok, 0);
  return {
    requestsPerSecond: ok / durationSeconds,
    ok,
    failed: results.reduce((n, r) => n + r.failed, 0),
    statusCodes,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: results.reduce((n, r) => n + r.meanMs * r.ok, 0) / ok,
    maxMs: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    durationSeconds,
    latencies: sorted,
  };
}

/**
 * Runs two loads alternately, `rounds` times each, and merges each side's runs: on a shared machine, drift (other
 * processes, CPU frequency) then hits both sides alike instead of whichever happened to run during it.
 */
export async function interleaved(
  a: () => Promise<LoadResult>,
  b: () => Promise<LoadResult>,
  rounds: number,
): Promise<[LoadResult, LoadResult]> {
  const left: LoadResult[] = [];
  const right: LoadResult[] = [];
  for (let i = 0; i < rounds; i++) {
    left.push(await a());
    right.push(await b());
  }
  return [mergeLoads(left), mergeLoads(right)];
}

/** A failed run is a broken benchmark, not a slow server: say so loudly with the status codes seen. */
export function assertHealthy(label: string, result: LoadResult, tolerated = 0): void {
  if (result.ok === 0 || result.failed > tolerated) {
    throw new Error(
      `${label}: ${result.ok} ok, ${result.failed} failed (status codes ${JSON.stringify(result.statusCodes)})`,
    );
  }
}

/**
 * A load of `uploadClientCertificate` requests, each to the next of `targets` (seeded connectors without a
 * certificate, with their tenant's token), so every upload is a first, successful one. Returns a function running
 * it for a given number of seconds; it fails loudly rather than reuse a target.
 */
export interface UploadLoad {
  /** The load, for a given number of seconds. */
  run(seconds: number): Promise<LoadResult>;
  /**
   * `count` uploads at once, awaited to the end: brings up the decoder and its worker threads (module loading, and
   * with the tsx runner the TypeScript transform in every thread) before anything is timed, in every mode.
   */
  prime(count: number): Promise<void>;
}

export function uploadLoad(options: {
  url: string;
  connections: number;
  targets: ReadonlyArray<{ path: string; authorization: string }>;
  fixture: { base64: string; password: string };
}): UploadLoad {
  const body = JSON.stringify({ pkcs12Value: options.fixture.base64, password: options.fixture.password });
  let next = 0;
  const nextTarget = () => {
    const target = options.targets[next++];
    if (target === undefined) throw new Error(`the upload load ran out of its ${options.targets.length} targets`);
    return target;
  };
  return {
    run: (seconds) =>
      runLoad({
        url: options.url,
        connections: options.connections,
        durationSeconds: seconds,
        method: 'POST',
        body,
        next: () => {
          const target = nextTarget();
          return { path: target.path, headers: { authorization: target.authorization } };
        },
      }),
    async prime(count) {
      const statuses = await Promise.all(
        Array.from({ length: count }, async () => {
          const target = nextTarget();
          const response = await fetch(options.url + target.path, {
            method: 'POST',
            headers: { authorization: target.authorization, 'content-type': 'application/json' },
            body,
          });
          await response.arrayBuffer();
          return response.status;
        }),
      );
      const failed = statuses.filter((status) => status !== 200);
      if (failed.length > 0) throw new Error(`priming uploads answered ${failed.join(', ')}`);
    },
  };
}
