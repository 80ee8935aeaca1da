// Preloaded into a server process by the benchmark (`node --import ./bench/lib/event-loop-probe.mjs ...`): watches
// the event loop with perf_hooks.monitorEventLoopDelay (and reports process.memoryUsage()) over the IPC channel the
// bench opened. Nothing
// in src/ changes and nothing is exposed over HTTP; without an IPC channel (a normal start) it does nothing.
// Plain JavaScript so it loads the same way in front of the compiled dist/ and the tsx-run sources.
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (typeof process.send === 'function') {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  process.on('message', (message) => {
    if (message === 'event-loop:reset') {
      histogram.reset();
      process.send({ type: 'event-loop:reset' });
    } else if (message === 'memory:read') {
      process.send({ type: 'memory', ...process.memoryUsage() });
    } else if (message === 'event-loop:read') {
      process.send({
        type: 'event-loop:stats',
        maxMs: histogram.max / 1e6,
        p99Ms: histogram.percentile(99) / 1e6,
        meanMs: histogram.mean / 1e6,
      });
    }
  });
  // The channel must not keep the server alive on its own (shutdown is the server's business).
  process.channel?.unref();
}
