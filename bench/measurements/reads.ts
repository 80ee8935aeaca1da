// Measurement 4: reads at 64 connections, with real tokens and the real store, against a bare fastify route that
// returns the same bytes with no auth, no store and no Graph conventions (bench/lib/bare-server.mjs, its own
// process like the server). The load generator runs in this process and shares the machine's cores.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context.js';
import { assertHealthy, runLoad, type LoadOptions, type LoadResult } from '../lib/load.js';
import { check, fig, type Check, type StoreKind } from '../lib/report.js';
import { httpRequest, startBareServer } from '../lib/server.js';
import { seed, tenantGuid } from '../lib/stores.js';

const CONNECTIONS = 64;

async function measured(label: string, options: LoadOptions, seconds: number): Promise<LoadResult> {
  assertHealthy(`${label} warm-up`, await runLoad({ ...options, durationSeconds: Math.min(1, seconds) }));
  const result = await runLoad({ ...options, durationSeconds: seconds });
  assertHealthy(label, result);
  return result;
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

  const seconds = ctx.seconds(5);
  let next = 0;
  const get = await measured(
    'GET by id',
    {
      url: server.url,
      connections: CONNECTIONS,
      durationSeconds: seconds,
      headers,
      next: () => ({ path: `${collection}/${ids[next++ % ids.length]}` }),
    },
    seconds,
  );
  const all = await measured(
    'list',
    { url: server.url, connections: CONNECTIONS, durationSeconds: seconds, headers, path: collection },
    seconds,
  );
  await server.stop();

  const bare = await startBareServer([itemFile, listFile]);
  const bareGet = await measured(
    'bare item',
    { url: bare.url, connections: CONNECTIONS, durationSeconds: seconds, path: '/item' },
    seconds,
  );
  const bareList = await measured(
    'bare list',
    { url: bare.url, connections: CONNECTIONS, durationSeconds: seconds, path: '/list' },
    seconds,
  );
  await bare.stop();

  const pair = (what: 'get' | 'list', ours: LoadResult, ref: LoadResult, bytes: number): Check[] => {
    const label = what === 'get' ? 'GET by id' : 'list (20 connectors)';
    const figures = {
      throughput: fig(ours.requestsPerSecond, 'req/s'),
      p50: fig(ours.p50Ms, 'ms'),
      p99: fig(ours.p99Ms, 'ms'),
      bareThroughput: fig(ref.requestsPerSecond, 'req/s'),
      bareP50: fig(ref.p50Ms, 'ms'),
      bareP99: fig(ref.p99Ms, 'ms'),
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
