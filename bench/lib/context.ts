// What every measurement gets from the runner: the mode, how to start servers, where stores come from.
import { createBenchStore, type BenchStore } from './stores.js';
import type { StoreKind } from './report.js';
import { removeServerLogs, startServer, type Runner, type ServerOptions, type ServerProcess } from './server.js';

export interface BenchContext {
  quick: boolean;
  runner: Runner;
  /** DATABASE_URL, when PostgreSQL is measured. */
  pgUrl: string | undefined;
  /** When set, servers write V8 CPU profiles here (node --cpu-prof). */
  profileDir: string | undefined;
  /** LOG_LEVEL of the servers. */
  logLevel: string;
  log(line: string): void;
  /** Length of one load run: `full` seconds, or 1 s in quick mode (`--quick`, smoke runs; autocannon's minimum). */
  seconds(full: number): number;
  /** Alternating rounds per side for A/B comparisons: 2, or 1 in quick mode. */
  rounds: number;
  /** Runs a warm-up load, except in quick mode. */
  warmUp(run: () => Promise<unknown>): Promise<void>;
  /** A fresh, migrated store of this kind; removed at the end of the run unless removed earlier. */
  store(kind: StoreKind, options?: { migrate?: boolean }): Promise<BenchStore>;
  /** A server on `store` with the run's runner and profiling settings; stopped at the end of the run at the latest. */
  server(store: BenchStore, options?: Partial<ServerOptions>): Promise<ServerProcess>;
  /** Work to do when the run ends (stop servers, drop schemas). */
  cleanup(): Promise<void>;
  /** Values shared between measurements of one run (e.g. the 200,000-connector store: size and start-up). */
  shared: Map<string, unknown>;
}

export function createContext(options: {
  quick: boolean;
  runner: Runner;
  pgUrl: string | undefined;
  profileDir: string | undefined;
  logLevel: string;
  log: (line: string) => void;
}): BenchContext {
  const stores: BenchStore[] = [];
  const servers: ServerProcess[] = [];
  return {
    ...options,
    shared: new Map(),
    seconds: (full) => (options.quick ? 1 : full),
    rounds: options.quick ? 1 : 2,
    async warmUp(run) {
      if (!options.quick) await run();
    },
    async store(kind, storeOptions = {}) {
      const store = await createBenchStore(kind, options.pgUrl, storeOptions);
      stores.push(store);
      return store;
    },
    async server(store, overrides = {}) {
      const server = await startServer({
        runner: options.runner,
        dataDir: store.dataDir,
        ...(store.databaseUrl ? { databaseUrl: store.databaseUrl } : {}),
        ...(options.profileDir ? { profileDir: options.profileDir } : {}),
        ...overrides,
        env: { LOG_LEVEL: options.logLevel, ...overrides.env },
      });
      servers.push(server);
      return server;
    },
    async cleanup() {
      await Promise.all(servers.map((server) => server.stop()));
      for (const store of stores) await store.remove().catch(() => undefined);
      removeServerLogs();
    },
  };
}
