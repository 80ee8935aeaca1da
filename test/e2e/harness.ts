// Starts the real service (createApp, real store, real decoder) on a free loopback port for end-to-end tests.
// Every e2e suite runs once per store: SQLite in a temp dir and PostgreSQL in a fresh schema.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, createLogger, type App, type AppOverrides } from '../../src/app.js';
import { resolveConfig, type Config } from '../../src/config.js';
import { freshPgSchema, queryInSchema } from '../store/pg-test-db.js';

async function dropPgSchema(schema: string): Promise<void> {
  await queryInSchema('public', `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

export type StoreKind = 'sqlite' | 'postgres';
export const STORES: StoreKind[] = ['sqlite', 'postgres'];

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: any;
}

export interface TestServer {
  baseUrl: string;
  app: App;
  config: Config;
  /** Everything the server logged, for secret scans. */
  logs: () => string;
  /** A valid bearer token (APIConnectors.ReadWrite.All) for the development tenant. */
  token: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<CallResult>;
  /** Stops the server and removes its data dir and schema, unless `keepData` (restart tests). */
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface StartOptions {
  store: StoreKind;
  config?: Partial<Config>;
  overrides?: AppOverrides;
  /** Reuse a data dir (restart tests). */
  dataDir?: string;
  /** Reuse a PostgreSQL schema (restart tests). */
  pg?: { databaseUrl: string; schema: string };
  /** With dataDir/pg: remove them on close, as if this server had created them. */
  adopt?: boolean;
}

export async function startServer(options: StartOptions): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'api-connectors-e2e-')));
  const ownsDataDir = !options.dataDir || options.adopt === true;
  let pg = options.pg;
  let dropSchema: (() => Promise<void>) | undefined =
    options.pg && options.adopt ? () => dropPgSchema(options.pg!.schema) : undefined;
  if (options.store === 'postgres' && !pg) {
    const fresh = await freshPgSchema();
    pg = { databaseUrl: fresh.databaseUrl, schema: fresh.schema };
    dropSchema = fresh.drop;
  }
  const config: Config = {
    ...resolveConfig({}, {}),
    host: '127.0.0.1',
    port: 0,
    dataDir,
    logLevel: 'info',
    ...(pg ? { databaseUrl: pg.databaseUrl, pgSchema: pg.schema } : {}),
    ...options.config,
  };
  let logText = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logText += chunk.toString('utf8');
      done();
    },
  });
  const app = await createApp(config, { logger: createLogger(config.logLevel, sink), ...options.overrides });
  const baseUrl = await app.listen();
  const token = await app.devToken();

  return {
    baseUrl,
    app,
    config,
    token,
    logs: () => logText,
    async call(method, path, body, headers = {}) {
      const init: RequestInit = {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
      const response = await fetch(baseUrl + path, init);
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    async close(closeOptions = {}) {
      await app.close();
      if (closeOptions.keepData) return;
      if (dropSchema) await dropSchema();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A clock tests can move: starts at `startMs`, moved with `set`/`advance`. */
export function testClock(startMs: number): { now: () => number; set(ms: number): void; advance(ms: number): void } {
  let current = startMs;
  return {
    now: () => current,
    set: (ms) => {
      current = ms;
    },
    advance: (ms) => {
      current += ms;
    },
  };
}
