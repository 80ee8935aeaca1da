// Measurement 2: uploadClientCertificate throughput through the running server with the modern fixture, against
// the floor `cores / native decode time` (what OpenSSL alone could do on every core). Every request uploads to
// a connector that has no certificate yet (seeded), so each one is a real, successful upload: decode, seal, write.
import { availableParallelism } from 'node:os';
import { loadFixture } from '../../test/fixtures/index.js';
import type { BenchContext } from '../lib/context.js';
import { assertHealthy, runLoad } from '../lib/load.js';
import { check, fig, type Check, type StoreKind } from '../lib/report.js';
import { seed, tenantGuid } from '../lib/stores.js';
import { nativeDecodeMs } from './decode.js';

export const UPLOAD_FIXTURE = 'modern-rsa2048.pfx';
const CONNECTIONS = 16;

export async function measureUpload(ctx: BenchContext, kind: StoreKind): Promise<Check[]> {
  const store = await ctx.store(kind);
  const targets = ctx.quick ? 3_000 : 40_000; // more than the run can use: an id is never uploaded to twice
  const ids = (await seed(store, { tenants: [0], connectorsPerTenant: targets, withCertificate: false })).get(0)!;
  const token = await store.token(tenantGuid(0));
  const server = await ctx.server(store);
  const fixture = loadFixture(UPLOAD_FIXTURE);
  const body = JSON.stringify({ pkcs12Value: fixture.base64, password: fixture.password });
  let nextId = 0;
  const load = (seconds: number) =>
    runLoad({
      url: server.url,
      connections: CONNECTIONS,
      durationSeconds: seconds,
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body,
      next: () => {
        const id = ids[nextId++];
        if (id === undefined) throw new Error(`upload benchmark ran out of its ${targets} seeded connectors`);
        return { path: `/v1.0/identity/apiConnectors/${id}/uploadClientCertificate` };
      },
    });
  assertHealthy('upload warm-up', await load(ctx.seconds(2)));
  const result = await load(ctx.seconds(8));
  assertHealthy('upload', result);
  await server.stop();

  // The floor, measured now (server stopped, machine idle) in this process.
  const nativeMs = nativeDecodeMs(UPLOAD_FIXTURE);
  const cores = availableParallelism();
  const floor = (cores * 1000) / nativeMs;
  return [
    check({
      id: `upload.throughput.${kind}`,
      measurement: 2,
      name: `upload ${UPLOAD_FIXTURE} throughput, ${CONNECTIONS} connections`,
      store: kind,
      value: fig(result.requestsPerSecond, 'req/s'),
      reference: { ...fig(floor, 'req/s'), label: `${cores} cores / native ${nativeMs.toFixed(2)} ms` },
      target: { on: 'ratio', op: '>=', limit: 0.8, unit: 'x' },
      figures: {
        throughput: fig(result.requestsPerSecond, 'req/s'),
        p50: fig(result.p50Ms, 'ms'),
        p99: fig(result.p99Ms, 'ms'),
        uploads: fig(result.ok, 'count'),
        nativeDecode: fig(nativeMs, 'ms'),
        cores: fig(cores, 'count'),
        floor: fig(floor, 'req/s'),
      },
    }),
  ];
}
