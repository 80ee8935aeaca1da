// `npm run bench`: issue 6's measurements in one run, each against a reference measured in the same run. Starts
// everything it measures (server processes through the real CLI on temp data dirs and port 0), prints a table and
// writes bench/results/latest.json. docs/performance.md explains each measurement and how to read the results.
//
//   npm run bench                          everything (SQLite; PostgreSQL too when DATABASE_URL is set)
//   npm run bench -- --only reads,size     some measurements: decode upload stalls reads size startup
//   npm run bench -- --quick               seconds-long runs on a few fixtures and a small store (smoke test)
//   npm run bench -- --profile             servers write CPU profiles to bench/results/profiles
//   npm run bench -- --runner tsx          run the server from src/ through tsx instead of the compiled dist/
//   npm run bench -- --log-level warn      servers log at this level (default info, the shipping default)
//   npm run bench -- --out FILE            write the JSON elsewhere
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createContext, type BenchContext } from './lib/context.js';
import { formatTable, machineInfo, type BenchReport, type Check, type StoreKind } from './lib/report.js';
import { ensureBuilt, REPO_ROOT, type Runner } from './lib/server.js';
import { measureDecode } from './measurements/decode.js';
import { measureReads } from './measurements/reads.js';
import { measureSize } from './measurements/size.js';
import { measureStalls } from './measurements/stalls.js';
import { measureStartup } from './measurements/startup.js';
import { measureUpload } from './measurements/upload.js';

type PerStore = (ctx: BenchContext, kind: StoreKind) => Promise<Check[]>;

/** In run order. decode has no store; the others run once per store (measurement 7). */
const MEASUREMENTS: Array<{
  name: string;
  run: { global: (ctx: BenchContext) => Promise<Check[]> } | { perStore: PerStore };
}> = [
  { name: 'decode', run: { global: (ctx) => measureDecode(ctx.quick) } },
  { name: 'upload', run: { perStore: measureUpload } },
  { name: 'stalls', run: { perStore: measureStalls } },
  { name: 'reads', run: { perStore: measureReads } },
  { name: 'size', run: { perStore: measureSize } },
  { name: 'startup', run: { perStore: measureStartup } },
];

export const MEASUREMENT_NAMES = MEASUREMENTS.map((m) => m.name);

interface RunOptions {
  only: string[];
  quick: boolean;
  profile: boolean;
  runner: Runner;
  out: string;
  stores: StoreKind[];
  logLevel: string;
}

function parseOptions(argv: string[]): RunOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      runner: { type: 'string', default: 'dist' },
      out: { type: 'string', default: join(REPO_ROOT, 'bench', 'results', 'latest.json') },
      stores: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  const only = values.only
    ? values.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : MEASUREMENT_NAMES;
  const unknown = only.filter((name) => !MEASUREMENT_NAMES.includes(name));
  if (unknown.length > 0)
    throw new Error(`unknown measurement ${unknown.join(', ')}; use ${MEASUREMENT_NAMES.join(', ')}`);
  if (!['dist', 'tsx'].includes(values.runner!)) throw new Error('--runner is dist or tsx');
  const stores = (values.stores ?? (process.env.DATABASE_URL ? 'sqlite,postgres' : 'sqlite'))
    .split(',')
    .map((s) => s.trim()) as StoreKind[];
  if (stores.some((s) => s !== 'sqlite' && s !== 'postgres')) throw new Error('--stores takes sqlite and postgres');
  if (stores.includes('postgres') && !process.env.DATABASE_URL) {
    throw new Error('PostgreSQL needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)');
  }
  return {
    only,
    quick: values.quick!,
    profile: values.profile!,
    runner: values.runner as Runner,
    out: values.out!,
    stores,
    logLevel: values['log-level']!,
  };
}

export async function runBench(argv: string[]): Promise<BenchReport> {
  const options = parseOptions(argv);
  const started = performance.now();
  const log = (line: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0)}s] ${line}`);
  const failures: BenchReport['failures'] = [];
  if (options.runner === 'dist') {
    const note = ensureBuilt(log);
    if (note) log(note);
  }
  const profileDir = options.profile ? join(REPO_ROOT, 'bench', 'results', 'profiles') : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const ctx = createContext({
    quick: options.quick,
    runner: options.runner,
    pgUrl: process.env.DATABASE_URL,
    profileDir,
    logLevel: options.logLevel,
    log,
  });
  const checks: Check[] = [];
  // Ctrl-C: stop the servers and drop the PostgreSQL schemas before leaving.
  const interrupted = () => {
    log('interrupted: cleaning up');
    void ctx.cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  try {
    for (const measurement of MEASUREMENTS.filter((m) => options.only.includes(m.name))) {
      const targets: Array<StoreKind | null> = 'global' in measurement.run ? [null] : options.stores;
      for (const kind of targets) {
        log(`${measurement.name}${kind ? ` (${kind})` : ''}`);
        try {
          const results =
            'global' in measurement.run
              ? await measurement.run.global(ctx)
              : await measurement.run.perStore(ctx, kind!);
          checks.push(...results);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          log(`${measurement.name} failed: ${message}`);
          failures.push({ measurement: measurement.name, store: kind, error: message });
        }
      }
    }
  } finally {
    process.off('SIGINT', interrupted);
    await ctx.cleanup();
  }
  const report: BenchReport = {
    schemaVersion: 1,
    date: new Date().toISOString(),
    machine: machineInfo(),
    options: {
      quick: options.quick,
      only: options.only,
      stores: options.stores,
      runner: options.runner,
      logLevel: options.logLevel,
    },
    durationSeconds: (performance.now() - started) / 1000,
    checks,
    failures,
  };
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = await runBench(process.argv.slice(2));
  const { machine } = report;
  console.log(
    `\n${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryMb} MB, Node ${machine.node}; ` +
      `${report.durationSeconds.toFixed(0)} s; ${report.options.quick ? 'QUICK MODE (not comparable); ' : ''}` +
      `runner ${report.options.runner}\n`,
  );
  console.log(formatTable(report.checks));
  for (const failure of report.failures)
    console.log(`\nFAILED ${failure.measurement} (${failure.store ?? '-'}): ${failure.error}`);
  const failed = report.checks.filter((c) => c.pass === false).length;
  console.log(`\n${report.checks.length} checks, ${failed} over target, ${report.failures.length} measurements failed`);
  // Exit 0 even when targets are missed: the table is the verdict; a broken measurement is an error.
  process.exitCode = report.failures.length > 0 ? 1 : 0;
}
