// PKCS#12 decode benchmark: decodePkcs12 beside OpenSSL's native parse of the same file
// (tls.createSecureContext({ pfx, passphrase }) in the same process), per fixture, as a ratio of medians.
// Targets (issue 2): <= 1.5x native for modern files, <= 2.5x for legacy ones (RC2/3DES/SHA-1 MAC).
// Standalone: `npx tsx bench/decode.ts [fixture-name-substring ...]`.
import { createSecureContext } from 'node:tls';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { closeKdfWorkers, decodePkcs12 } from '../src/pkcs12/index.js';
import { fixtureNames, loadFixture } from '../test/fixtures/index.js';

export interface DecodeBenchResult {
  fixture: string;
  kind: 'modern' | 'legacy';
  /** Median wall time of decodePkcs12, milliseconds. */
  oursMedianMs: number;
  /** Median of tls.createSecureContext, or null when native OpenSSL cannot parse the file. */
  nativeMedianMs: number | null;
  ratio: number | null;
  target: number;
  /** null when there is no native figure to compare with. */
  withinTarget: boolean | null;
}

export interface EventLoopBenchResult {
  fixture: string;
  /** Worst event-loop delay while one decode runs, milliseconds (perf_hooks.monitorEventLoopDelay). */
  oursWorstDelayMs: number;
  oursDecodeMs: number;
  /** Native parsing is synchronous: it blocks the loop for its whole duration. */
  nativeBlockMs: number | null;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function nativeOnce(pfx: Buffer, passphrase: string): number | null {
  const start = performance.now();
  try {
    createSecureContext({ pfx, passphrase });
  } catch {
    return null;
  }
  return performance.now() - start;
}

/** Runs for a file: enough samples for a stable median, fewer for the 600,000-iteration ones. */
function runsFor(oneDecodeMs: number): number {
  if (oneDecodeMs > 100) return 7;
  if (oneDecodeMs > 20) return 21;
  return 101;
}

/** JIT-warms both paths on the common layouts so the first fixture measured is not penalised. */
async function warmUp(): Promise<void> {
  for (const name of ['modern-rsa2048.pfx', 'legacy-3des.pfx', 'legacy-rc2-40.pfx', 'ec-p256.pfx', 'nomac.pfx']) {
    const fixture = loadFixture(name);
    for (let i = 0; i < 40; i++) {
      await decodePkcs12(fixture.bytes, fixture.password);
      nativeOnce(fixture.bytes, fixture.password);
    }
  }
}

export async function benchDecode(filters: string[] = []): Promise<DecodeBenchResult[]> {
  const results: DecodeBenchResult[] = [];
  const names = fixtureNames().filter((n) => filters.length === 0 || filters.some((f) => n.includes(f)));
  await warmUp();
  for (const name of names) {
    const fixture = loadFixture(name);
    if (fixture.expectedError) continue;
    const first = performance.now();
    const decoded = await decodePkcs12(fixture.bytes, fixture.password);
    const runs = runsFor(performance.now() - first);
    const protection = [decoded.protection.mac, ...decoded.protection.encryption];
    const kind = protection.some((a) => a?.legacy) ? 'legacy' : 'modern';
    const ours: number[] = [];
    const native: number[] = [];
    let nativeWorks = nativeOnce(fixture.bytes, fixture.password) !== null;
    // Warm both paths, then alternate them so machine noise hits both alike.
    for (let i = 0; i < 3; i++) await decodePkcs12(fixture.bytes, fixture.password);
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await decodePkcs12(fixture.bytes, fixture.password);
      ours.push(performance.now() - start);
      if (nativeWorks) {
        const ms = nativeOnce(fixture.bytes, fixture.password);
        if (ms === null) nativeWorks = false;
        else native.push(ms);
      }
    }
    const oursMedianMs = median(ours);
    const nativeMedianMs = nativeWorks ? median(native) : null;
    const ratio = nativeMedianMs === null ? null : oursMedianMs / nativeMedianMs;
    const target = kind === 'modern' ? 1.5 : 2.5;
    results.push({
      fixture: name,
      kind,
      oursMedianMs,
      nativeMedianMs,
      ratio,
      target,
      withinTarget: ratio === null ? null : ratio <= target,
    });
  }
  return results;
}

export async function benchEventLoop(name = 'iter-600k.pfx'): Promise<EventLoopBenchResult> {
  const fixture = loadFixture(name);
  await decodePkcs12(fixture.bytes, fixture.password); // warm the worker pool
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const start = performance.now();
  await decodePkcs12(fixture.bytes, fixture.password);
  const oursDecodeMs = performance.now() - start;
  histogram.disable();
  return {
    fixture: name,
    oursWorstDelayMs: histogram.max / 1e6,
    oursDecodeMs,
    nativeBlockMs: nativeOnce(fixture.bytes, fixture.password),
  };
}

function printTable(results: DecodeBenchResult[]): void {
  const rows = results.map((r) => [
    r.fixture,
    r.kind,
    r.oursMedianMs.toFixed(2),
    r.nativeMedianMs === null ? 'n/a' : r.nativeMedianMs.toFixed(2),
    r.ratio === null ? 'n/a' : `${r.ratio.toFixed(2)}x`,
    `${r.target}x`,
    r.withinTarget === null ? '-' : r.withinTarget ? 'ok' : 'OVER',
  ]);
  const header = ['fixture', 'kind', 'ours ms', 'native ms', 'ratio', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await benchDecode(process.argv.slice(2));
  printTable(results);
  console.log('');
  for (const name of ['iter-600k.pfx', 'iter-600k-legacy.pfx']) {
    const loop = await benchEventLoop(name);
    const native =
      loop.nativeBlockMs === null ? 'cannot parse it' : `blocks the loop for ${loop.nativeBlockMs.toFixed(0)} ms`;
    console.log(
      `event loop while decoding ${loop.fixture}: worst delay ${loop.oursWorstDelayMs.toFixed(1)} ms over a ` +
        `${loop.oursDecodeMs.toFixed(0)} ms decode (native ${native})`,
    );
  }
  await closeKdfWorkers();
}
