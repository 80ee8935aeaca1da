// Heavy key derivations run off the event loop: while a 600,000-iteration file decodes, timers keep firing
// (in-process decode: derivations on thread pools; pooled decode: the whole decode on a worker thread).
// The worst delay is reported as a diagnostic (speed is measured by bench/decode.ts, never asserted here).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { closeKdfWorkers, decodePkcs12, decodePkcs12InWorker } from '../../src/pkcs12/index.js';
import { loadFixture } from '../fixtures/index.js';

after(() => closeKdfWorkers());

const cases = ['iter-600k.pfx', 'iter-600k-legacy.pfx'].flatMap((name) => [
  { name, how: 'in-process', decode: decodePkcs12 },
  { name, how: 'worker pool', decode: decodePkcs12InWorker },
]);

for (const { name, how, decode } of cases) {
  test(`${name} (${how}): the event loop keeps turning during the decode`, async (t) => {
    const fixture = loadFixture(name);
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    histogram.enable();
    const started = performance.now();
    const decoded = await decode(fixture.bytes, fixture.password);
    const elapsed = performance.now() - started;
    histogram.disable();
    clearInterval(timer);
    assert.equal(decoded.leaf.facts.thumbprint, fixture.expected.thumbprint);
    // A decode that held the thread (like tls.createSecureContext) would let no timer fire until it returned.
    assert.ok(ticks > 0, 'no timer fired while decoding');
    t.diagnostic(
      `${name} (${how}): decode ${elapsed.toFixed(0)} ms, ${ticks} timer ticks, worst event-loop delay ` +
        `${(histogram.max / 1e6).toFixed(1)} ms`,
    );
  });
}
