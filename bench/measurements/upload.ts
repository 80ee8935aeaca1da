// Measurement 2: uploadClientCertificate throughput through the running server with the modern fixture, against
// the floor `cores / native decode time` (what OpenSSL alone could do on every core). Every request uploads to
// a connector that has no certificate yet (seeded, 20 per tenant, each tenant with its own token), so each one is
// a real, successful upload: decode, seal, write.
import { availableParallelism } from 'node:os';
import { loadFixture } from '../../test/fixtures/index.js';
import type { BenchContext } from '../lib/context.js';
import { assertHealthy, uploadLoad } from '../lib/load.js';
import { check, fig, type Check, type StoreKind } from '../lib/report.js';
import { seedUploadTargets } from '../lib/stores.js';
import { nativeDecodeMs } from './decode.js';

export const UPLOAD_FIXTURE = 'modern-rsa2048.pfx';
const CONNECTIONS = 16;

export async function measureUpload(ctx: BenchContext, kind: StoreKind): Promise<Check[]> {
  const store = await ctx.store(kind);
  const count = ctx.quick ? 3_000 : 30_000; // more than the run can use: no connector is uploaded to twice
  const targets = await seedUploadTargets(store, count, { firstTenant: 1 });
  const server = await ctx.server(store);
  const load = uploadLoad({ url: server.url, connections: CONNECTIONS, targets, fixture: loadFixture(UPLOAD_FIXTURE) });
  await load.prime(CONNECTIONS);
  await ctx.warmUp(async () => assertHealthy('upload warm-up', await load.run(2)));
  const result = await load.run(ctx.seconds(6));
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
