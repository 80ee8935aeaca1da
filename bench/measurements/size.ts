// Measurement 5: does the store's size show? 10,000 tenants x 20 connectors, each with a sealed certificate
// (seeded with SQL), against a store holding only the tenants the load reads. Both servers get the same load,
// alternately: GET-by-id and list for random tenants of one sample, each request with that tenant's own token. Then
// each server's resident memory after the loads (peak and current).
import type { BenchContext } from '../lib/context.js';
import { assertHealthy, interleaved, runLoad, type LoadResult } from '../lib/load.js';
import { check, fig, type Check, type StoreKind } from '../lib/report.js';
import type { ServerProcess } from '../lib/server.js';
import { seed, tenantGuid, type BenchStore } from '../lib/stores.js';

const CONNECTORS_PER_TENANT = 20;
const CONNECTIONS = 16;

export interface BigStore {
  store: BenchStore;
  tenantCount: number;
  /** Tenant number -> connector ids, for the sampled tenants the loads read. */
  sample: Map<number, string[]>;
}

/** The 200,000-connector store of this run (also used by the start-up measurement); built once per store kind. */
export async function bigStore(ctx: BenchContext, kind: StoreKind): Promise<BigStore> {
  const key = `big-store:${kind}`;
  const existing = ctx.shared.get(key) as Promise<BigStore> | undefined;
  if (existing) return existing;
  const building = (async () => {
    const tenantCount = ctx.quick ? 200 : 10_000;
    const store = await ctx.store(kind);
    const started = performance.now();
    const tenants = Array.from({ length: tenantCount }, (_, i) => i + 1);
    const ids = await seed(store, { tenants, connectorsPerTenant: CONNECTORS_PER_TENANT, withCertificate: true });
    ctx.log(
      `seeded ${tenantCount * CONNECTORS_PER_TENANT} connectors in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const sampleSize = ctx.quick ? 8 : 64;
    const sample = new Map<number, string[]>();
    for (let k = 0; k < sampleSize; k++) {
      const t = 1 + Math.floor((k * tenantCount) / sampleSize);
      sample.set(t, ids.get(t)!);
    }
    return { store, tenantCount, sample };
  })();
  ctx.shared.set(key, building);
  return building;
}

interface Loads {
  get(seconds: number): Promise<LoadResult>;
  list(seconds: number): Promise<LoadResult>;
}

/** GET-by-id and list loads over random sampled tenants, each request with its tenant's token. */
async function loadsFor(
  server: ServerProcess,
  store: BenchStore,
  tenants: number[],
  ids: Map<number, string[]>,
): Promise<Loads> {
  const tokens = new Map<number, string>();
  for (const t of tenants) tokens.set(t, `Bearer ${await store.token(tenantGuid(t))}`);
  // A fixed pseudo-random sequence, the same for both stores.
  let state = 42;
  const random = (n: number) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0; // a 32-bit LCG
    return (state >>> 8) % n;
  };
  const pickTenant = () => tenants[random(tenants.length)]!;
  const collection = '/v1.0/identity/apiConnectors';
  return {
    get: (seconds) =>
      runLoad({
        url: server.url,
        connections: CONNECTIONS,
        durationSeconds: seconds,
        next: () => {
          const t = pickTenant();
          const connectors = ids.get(t)!;
          return {
            path: `${collection}/${connectors[random(connectors.length)]}`,
            headers: { authorization: tokens.get(t)! },
          };
        },
      }),
    list: (seconds) =>
      runLoad({
        url: server.url,
        connections: CONNECTIONS,
        durationSeconds: seconds,
        next: () => ({ path: collection, headers: { authorization: tokens.get(pickTenant())! } }),
      }),
  };
}

export async function measureSize(ctx: BenchContext, kind: StoreKind): Promise<Check[]> {
  const big = await bigStore(ctx, kind);
  const tenants = [...big.sample.keys()];
  const small = await ctx.store(kind);
  const smallIds = await seed(small, { tenants, connectorsPerTenant: CONNECTORS_PER_TENANT, withCertificate: true });

  // Both servers run; the loads alternate between them (2 runs each), so drift on the machine hits both alike.
  const smallServer = await ctx.server(small);
  const bigServer = await ctx.server(big.store);
  const smallLoads = await loadsFor(smallServer, small, tenants, smallIds);
  const bigLoads = await loadsFor(bigServer, big.store, tenants, big.sample);
  for (const loads of [smallLoads, bigLoads]) {
    await ctx.warmUp(async () => assertHealthy('size warm-up', await loads.get(1)));
    await ctx.warmUp(async () => assertHealthy('size warm-up', await loads.list(1)));
  }
  const seconds = ctx.seconds(2); // per run; ctx.rounds runs per side
  const [refGet, fullGet] = await interleaved(
    () => smallLoads.get(seconds),
    () => bigLoads.get(seconds),
    ctx.rounds,
  );
  const [refList, fullList] = await interleaved(
    () => smallLoads.list(seconds),
    () => bigLoads.list(seconds),
    ctx.rounds,
  );
  for (const [label, result] of Object.entries({ refGet, fullGet, refList, fullList })) assertHealthy(label, result);
  const reference = { get: refGet, list: refList, memory: smallServer.memory() };
  const full = { get: fullGet, list: fullList, memory: bigServer.memory() };
  await smallServer.stop();
  await bigServer.stop();
  await small.remove();

  const connectors = big.tenantCount * CONNECTORS_PER_TENANT;
  const refLabel = `${tenants.length} tenants only`;
  const latency = (what: 'get' | 'list', ours: LoadResult, ref: LoadResult) =>
    check({
      id: `size.${what}.p99.${kind}`,
      measurement: 5,
      name: `${what === 'get' ? 'GET by id' : 'list'} p99 with ${connectors} connectors, ${CONNECTIONS} connections`,
      store: kind,
      value: fig(ours.p99Ms, 'ms'),
      reference: { ...fig(ref.p99Ms, 'ms'), label: refLabel },
      target: { on: 'ratio', op: '<=', limit: 1.2, unit: 'x' },
      figures: {
        p50: fig(ours.p50Ms, 'ms'),
        p99: fig(ours.p99Ms, 'ms'),
        mean: fig(ours.meanMs, 'ms'),
        throughput: fig(ours.requestsPerSecond, 'req/s'),
        referenceP50: fig(ref.p50Ms, 'ms'),
        referenceP99: fig(ref.p99Ms, 'ms'),
        referenceMean: fig(ref.meanMs, 'ms'),
        referenceThroughput: fig(ref.requestsPerSecond, 'req/s'),
        connectors: fig(connectors, 'count'),
        tenants: fig(big.tenantCount, 'count'),
        sampledTenants: fig(tenants.length, 'count'),
      },
    });
  return [
    latency('get', full.get, reference.get),
    latency('list', full.list, reference.list),
    check({
      id: `size.rss.${kind}`,
      measurement: 5,
      name: `server peak RSS with ${connectors} connectors, after the loads`,
      store: kind,
      value: fig(full.memory.peakRssMb, 'MB'),
      reference: { ...fig(reference.memory.peakRssMb, 'MB'), label: refLabel },
      target: { on: 'value', op: '<', limit: 150, unit: 'MB' },
      figures: {
        peakRss: fig(full.memory.peakRssMb, 'MB'),
        rss: fig(full.memory.rssMb, 'MB'),
        referencePeakRss: fig(reference.memory.peakRssMb, 'MB'),
        referenceRss: fig(reference.memory.rssMb, 'MB'),
      },
    }),
  ];
}
