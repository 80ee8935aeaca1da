// Measurement 3: does a slow upload stall everyone else? GET-by-id p99 at a fixed request rate while 600,000-
// iteration files are uploaded concurrently, against the same GET load on the idle server. The server's worst
// event-loop delay in each phase comes from perf_hooks.monitorEventLoopDelay inside the server process, read
// through bench/lib/event-loop-probe.mjs (preloaded with --import; an IPC channel, no HTTP endpoint).
import { loadFixture } from '../../test/fixtures/index.js';
import type { BenchContext } from '../lib/context.js';
import { assertHealthy, runLoad, uploadLoad } from '../lib/load.js';
import { check, fig, type Check, type StoreKind } from '../lib/report.js';
import { seed, seedUploadTargets, tenantGuid } from '../lib/stores.js';

const SLOW_FIXTURE = 'iter-600k.pfx';
const GET_RATE = 400; // requests per second: a steady read load well below saturation
const GET_CONNECTIONS = 16;
const UPLOAD_CONNECTIONS = 2;

export async function measureStalls(ctx: BenchContext, kind: StoreKind): Promise<Check[]> {
  const store = await ctx.store(kind);
  const readable = (await seed(store, { tenants: [0], connectorsPerTenant: 20, withCertificate: true })).get(0)!;
  const targets = await seedUploadTargets(store, 400, { firstTenant: 1 });
  const token = await store.token(tenantGuid(0));
  const headers = { authorization: `Bearer ${token}` };
  const server = await ctx.server(store, { probe: true });
  const seconds = ctx.seconds(5);
  let nextRead = 0;
  const reads = (duration: number) =>
    runLoad({
      url: server.url,
      connections: GET_CONNECTIONS,
      durationSeconds: duration,
      overallRate: GET_RATE,
      headers,
      next: () => ({ path: `/v1.0/identity/apiConnectors/${readable[nextRead++ % readable.length]}` }),
    });
  const uploads = uploadLoad({
    url: server.url,
    connections: UPLOAD_CONNECTIONS,
    targets,
    fixture: loadFixture(SLOW_FIXTURE),
  });

  await uploads.prime(UPLOAD_CONNECTIONS);
  await ctx.warmUp(async () => assertHealthy('stalls warm-up', await reads(1)));
  await server.resetEventLoop();
  const idle = await reads(seconds);
  const idleLoop = await server.readEventLoop();
  assertHealthy('idle reads', idle);

  // Uploads start first and outlast the reads, so every read is measured while uploads are in flight.
  const uploading = uploads.run(Math.max(seconds + 2, 5)); // quick mode too: a 600k decode may take seconds
  await new Promise((resolve) => setTimeout(resolve, 500));
  await server.resetEventLoop();
  const busy = await reads(seconds);
  const busyLoop = await server.readEventLoop();
  const uploaded = await uploading;
  assertHealthy('reads during uploads', busy);
  assertHealthy('600k uploads', uploaded);
  await server.stop();

  return [
    check({
      id: `stalls.get-p99.${kind}`,
      measurement: 3,
      name: `GET p99 at ${GET_RATE} req/s during ${UPLOAD_CONNECTIONS} concurrent ${SLOW_FIXTURE} uploads`,
      store: kind,
      value: fig(busy.p99Ms, 'ms'),
      reference: { ...fig(idle.p99Ms, 'ms'), label: 'idle server' },
      target: { on: 'ratio', op: '<=', limit: 2, unit: 'x' },
      figures: {
        busyP50: fig(busy.p50Ms, 'ms'),
        busyP99: fig(busy.p99Ms, 'ms'),
        busyMax: fig(busy.maxMs, 'ms'),
        idleP50: fig(idle.p50Ms, 'ms'),
        idleP99: fig(idle.p99Ms, 'ms'),
        uploadsCompleted: fig(uploaded.ok, 'count'),
        uploadP50: fig(uploaded.p50Ms, 'ms'),
      },
    }),
    check({
      id: `stalls.event-loop.${kind}`,
      measurement: 3,
      name: `worst event-loop delay during ${SLOW_FIXTURE} uploads`,
      store: kind,
      value: fig(busyLoop.maxMs, 'ms'),
      reference: { ...fig(idleLoop.maxMs, 'ms'), label: 'idle server' },
      target: null,
      figures: {
        busyMax: fig(busyLoop.maxMs, 'ms'),
        busyP99: fig(busyLoop.p99Ms, 'ms'),
        idleMax: fig(idleLoop.maxMs, 'ms'),
        idleP99: fig(idleLoop.p99Ms, 'ms'),
      },
      note: 'perf_hooks.monitorEventLoopDelay (1 ms resolution) inside the server process',
    }),
  ];
}
