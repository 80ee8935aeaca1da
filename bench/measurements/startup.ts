// Measurement 6: start-up, from spawning the server process to the first 200 of an authenticated list request
// (the moment a test suite can use it), on an empty data dir (first start: creates the database, runs the
// migrations, generates the KEK) and on the 200,000-connector store (a restart). The reference is the bare fastify
// app's start to its first 200. `npm start`'s own overhead (npm and sh in front of node) is reported separately:
// the difference between `npm start` and `node dist/cli/main.js serve` on the same data dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_CONNECTORS_PERMISSION, DevIssuer } from '../../src/auth/index.js';
import type { BenchContext } from '../lib/context.js';
import { median } from '../lib/load.js';
import { check, fig, type Check, type StoreKind } from '../lib/report.js';
import { startBareServer, startServer, waitFor200, type Runner } from '../lib/server.js';
import { tenantGuid } from '../lib/stores.js';
import { bigStore } from './size.js';

const LIST = '/v1.0/identity/apiConnectors';

interface Timing {
  first200Ms: number;
  listeningMs: number;
}

async function timeStart(
  ctx: BenchContext,
  runner: Runner,
  dataDir: string,
  databaseUrl: string | undefined,
  token: string,
): Promise<Timing> {
  const server = await startServer({
    runner,
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(ctx.profileDir && runner !== 'npm' ? { profileDir: ctx.profileDir } : {}),
  });
  try {
    const at = await waitFor200(server.url, LIST, { authorization: `Bearer ${token}` });
    return { first200Ms: at - server.startedAt, listeningMs: server.listeningMs };
  } finally {
    await server.stop();
  }
}

/** An empty data dir holding only the development signing key (so a token can be made before the start). */
async function emptyDataDir(): Promise<{ dataDir: string; token: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'api-connectors-bench-start-'));
  const issuer = await DevIssuer.open({ dataDir });
  return { dataDir, token: await issuer.issueToken({ tenantId: tenantGuid(0), roles: [API_CONNECTORS_PERMISSION] }) };
}

export async function measureStartup(ctx: BenchContext, kind: StoreKind): Promise<Check[]> {
  const runs = ctx.quick ? 1 : 5;
  const empty: Timing[] = [];
  const full: Timing[] = [];
  const bare: number[] = [];
  const big = await bigStore(ctx, kind);
  const [firstTenant] = big.sample.keys();
  const bigToken = await big.store.token(tenantGuid(firstTenant!));
  for (let i = 0; i < runs; i++) {
    // Interleaved, so drift on the machine affects all three alike.
    const { dataDir, token } = await emptyDataDir();
    const schemaStore = kind === 'postgres' ? await ctx.store('postgres', { migrate: false }) : undefined;
    try {
      empty.push(await timeStart(ctx, ctx.runner, dataDir, schemaStore?.databaseUrl, token));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await schemaStore?.remove();
    }
    full.push(await timeStart(ctx, ctx.runner, big.store.dataDir, big.store.databaseUrl, bigToken));
    const started = performance.now();
    const server = await startBareServer();
    bare.push((await waitFor200(server.url, '/list')) - started);
    await server.stop();
  }
  const bareMs = median(bare);
  const connectors = big.tenantCount * 20;
  const startCheck = (what: string, timings: Timing[], label: string) =>
    check({
      id: `startup.${what}.${kind}`,
      measurement: 6,
      name: `start to first 200 (${ctx.runner}), ${label}`,
      store: kind,
      value: fig(median(timings.map((t) => t.first200Ms)), 'ms'),
      reference: { ...fig(bareMs, 'ms'), label: 'bare fastify' },
      target: { on: 'value', op: '<', limit: 500, unit: 'ms' },
      figures: {
        first200Median: fig(median(timings.map((t) => t.first200Ms)), 'ms'),
        first200Max: fig(Math.max(...timings.map((t) => t.first200Ms)), 'ms'),
        listeningMedian: fig(median(timings.map((t) => t.listeningMs)), 'ms'),
        runs: fig(timings.length, 'count'),
      },
    });
  const checks = [
    startCheck('empty', empty, 'empty data dir'),
    startCheck('populated', full, `${connectors} connectors`),
  ];

  // npm's overhead does not depend on the store: measured once, with SQLite.
  if (kind === 'sqlite' && ctx.runner === 'dist') {
    const viaNpm: number[] = [];
    const direct: number[] = [];
    const { dataDir, token } = await emptyDataDir();
    try {
      await timeStart(ctx, 'dist', dataDir, undefined, token); // first start creates the database
      for (let i = 0; i < runs; i++) {
        viaNpm.push((await timeStart(ctx, 'npm', dataDir, undefined, token)).first200Ms);
        direct.push((await timeStart(ctx, 'dist', dataDir, undefined, token)).first200Ms);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    const npmMs = median(viaNpm);
    const directMs = median(direct);
    checks.push(
      check({
        id: 'startup.npm-overhead',
        measurement: 6,
        name: '`npm start` overhead over `node dist/cli/main.js serve`',
        store: null,
        value: fig(npmMs - directMs, 'ms'),
        reference: null,
        target: null,
        figures: { npmStart: fig(npmMs, 'ms'), nodeDirect: fig(directMs, 'ms'), runs: fig(runs, 'count') },
      }),
    );
  }
  return checks;
}
