// Measurement 4: reads at 64 connections, with real tokens and the real store, against a bare fastify route that
// returns the same bytes with no auth, no store and no Graph conventions (bench/lib/bare-server.mjs, its own
// process like the server). The load generator runs in this process and shares the machine's cores; ours and the
// bare route are loaded alternately (two 3-second runs each), so drift on the machine affects both alike.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context.js';
import { assertHealthy, mergeLoads, runLoad, type LoadOptions, type LoadResult } from '../lib/load.js';
import { check, fig, type Check, type StoreKind } from '../lib/report.js';
import { httpRequest, startBareServer, type ServerProcess } from '../lib/server.js';
import { seed, tenantGuid } from '../lib/stores.js';

const CONNECTIONS = 64;

interface Measured extends LoadResult {
  /** Server CPU time per answered request: what the server spends, whatever the load generator manages. */
  cpuMicrosPerRequest: number;
}

/** One load run that also measures the server's CPU time per answered request. */
function withCpu(server: ServerProcess, options: LoadOptions): () => Promise<Measured> {
  return async () => {
    const cpuBefore = server.cpuMs();
    const result = await runLoad(options);
    return { ...result, cpuMicrosPerRequest: ((server.cpuMs() - cpuBefore) * 1000) / result.ok };
  };
}

/** Ours and the bare route alternately (ctx.rounds times each, warmed up first), each side's runs merged. */
async function compare(
  ctx: BenchContext,
  label: string,
  ours: () => Promise<Measured>,
  bare: () => Promise<Measured>,
  warmUp: Array<() => Promise<LoadResult>>,
): Promise<[Measured, Measured]> {
  for (const run of warmUp) await ctx.warmUp(async () => assertHealthy(`${label} warm-up`, await run()));
  const oursRuns: Measured[] = [];
  const bareRuns: Measured[] = [];
  for (let i = 0; i < ctx.rounds; i++) {
    oursRuns.push(await ours());
    bareRuns.push(await bare());
  }
  const merge = (runs: Measured[]): Measured => ({
    ...mergeLoads(runs),
    cpuMicrosPerRequest:
      runs.reduce((n, r) => n + r.cpuMicrosPerRequest * r.ok, 0) / runs.reduce((n, r) => n + r.ok, 0),
  });
  const [a, b] = [merge(oursRuns), merge(bareRuns)];
  assertHealthy(label, a);
  assertHealthy(`bare ${label}`, b);
  return [a, b];
}

export async function measureReads(ctx: BenchContext, kind: StoreKind): Promise<Check[]> {
  const store = await ctx.store(kind);
  const ids = (await seed(store, { tenants: [0], connectorsPerTenant: 20, withCertificate: true })).get(0)!;
  const headers = { authorization: `Bearer ${await store.token(tenantGuid(0))}` };
  const server = await ctx.server(store);
  const collection = '/v1.0/identity/apiConnectors';

  // The bare server answers with exactly these bytes.
  const item = await httpRequest(`${server.url}${collection}/${ids[0]}`, { headers });
  const list = await httpRequest(`${server.url}${collection}`, { headers });
  if (item.status !== 200 || list.status !== 200) throw new Error(`reads: GET answered ${item.status}/${list.status}`);
  const itemFile = join(store.dataDir, 'bare-item.json');
  const listFile = join(store.dataDir, 'bare-list.json');
  await writeFile(itemFile, item.body);
  await writeFile(listFile, list.body);
  const bare = await startBareServer([itemFile, listFile]);

  const seconds = ctx.seconds(3); // per run; ctx.rounds runs per side
  let next = 0;
  const oursGet: LoadOptions = {
    url: server.url,
    connections: CONNECTIONS,
    durationSeconds: seconds,
    headers,
    next: () => ({ path: `${collection}/${ids[next++ % ids.length]}` }),
  };
  const oursList: LoadOptions = {
    url: server.url,
    connections: CONNECTIONS,
    durationSeconds: seconds,
    headers,
    path: collection,
  };
  const bareGetOptions: LoadOptions = {
    url: bare.url,
    connections: CONNECTIONS,
    durationSeconds: seconds,
    path: '/item',
  };
  const bareListOptions: LoadOptions = {
    url: bare.url,
    connections: CONNECTIONS,
    durationSeconds: seconds,
    path: '/list',
  };
  const warm = (options: LoadOptions) => () => runLoad({ ...options, durationSeconds: 1 });
  const [get, bareGet] = await compare(ctx, 'GET by id', withCpu(server, oursGet), withCpu(bare, bareGetOptions), [
    warm(oursGet),
    warm(bareGetOptions),
  ]);
  const [all, bareList] = await compare(ctx, 'list', withCpu(server, oursList), withCpu(bare, bareListOptions), [
    warm(oursList),
    warm(bareListOptions),
  ]);
  await server.stop();
  await bare.stop();

  const pair = (what: 'get' | 'list', ours: Measured, ref: Measured, bytes: number): Check[] => {
    const label = what === 'get' ? 'GET by id' : 'list (20 connectors)';
    const figures = {
      throughput: fig(ours.requestsPerSecond, 'req/s'),
      p50: fig(ours.p50Ms, 'ms'),
      p99: fig(ours.p99Ms, 'ms'),
      bareThroughput: fig(ref.requestsPerSecond, 'req/s'),
      bareP50: fig(ref.p50Ms, 'ms'),
      bareP99: fig(ref.p99Ms, 'ms'),
      serverCpuPerRequest: fig(ours.cpuMicrosPerRequest / 1000, 'ms'),
      bareCpuPerRequest: fig(ref.cpuMicrosPerRequest / 1000, 'ms'),
      responseBytes: fig(bytes, 'count'),
    };
    return [
      check({
        id: `reads.${what}.throughput.${kind}`,
        measurement: 4,
        name: `${label} throughput, ${CONNECTIONS} connections`,
        store: kind,
        value: fig(ours.requestsPerSecond, 'req/s'),
        reference: { ...fig(ref.requestsPerSecond, 'req/s'), label: 'bare fastify' },
        target: { on: 'ratio', op: '>=', limit: 0.6, unit: 'x' },
        figures,
      }),
      check({
        id: `reads.${what}.p99.${kind}`,
        measurement: 4,
        name: `${label} p99, ${CONNECTIONS} connections`,
        store: kind,
        value: fig(ours.p99Ms, 'ms'),
        reference: { ...fig(ref.p99Ms, 'ms'), label: 'bare fastify' },
        target: { on: 'ratio', op: '<=', limit: 1.5, unit: 'x' },
        figures,
      }),
    ];
  };
  return [
    ...pair('get', get, bareGet, Buffer.byteLength(item.body)),
    ...pair('list', all, bareList, Buffer.byteLength(list.body)),
  ];
}
