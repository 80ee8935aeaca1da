// Store factory: PostgreSQL when a postgres:// URL is configured (several instances, one database), otherwise the
// embedded SQLite file in the data directory.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectorRepository } from './repository.js';

export type * from './repository.js';
export { migrations, latestMigrationVersion } from './migrations/index.js';
export type { SqliteStoreOptions } from './sqlite.js';
export type { PostgresStoreOptions } from './postgres.js';

export const SQLITE_FILE_NAME = 'api-connectors.db';

export interface OpenStoreOptions {
  /** postgres:// or postgresql:// selects PostgreSQL (a `?schema=name` parameter is honoured); else SQLite. */
  databaseUrl?: string;
  dataDir: string;
  /** SQLite file; default `${dataDir}/api-connectors.db`. */
  sqliteFile?: string;
  /** PostgreSQL pool size per instance; default 10. */
  poolSize?: number;
  /** PostgreSQL statement_timeout; default 5000 ms. */
  statementTimeoutMs?: number;
  /** PostgreSQL schema (search_path), created when missing; overrides `?schema=` in the URL. */
  pgSchema?: string;
  /** Errors of idle pooled PostgreSQL connections, e.g. to log them. */
  onPoolError?: (error: Error) => void;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}

export async function openStore(options: OpenStoreOptions): Promise<ConnectorRepository> {
  // Each implementation is imported when chosen: a SQLite server never loads pg, a PostgreSQL one never loads the
  // native SQLite addon (start-up time).
  if (isPostgresUrl(options.databaseUrl)) {
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore({
      connectionString: options.databaseUrl,
      ...(options.pgSchema !== undefined ? { schema: options.pgSchema } : {}),
      ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
      ...(options.statementTimeoutMs !== undefined ? { statementTimeoutMs: options.statementTimeoutMs } : {}),
      ...(options.onPoolError ? { onPoolError: options.onPoolError } : {}),
    });
  }
  if (options.databaseUrl) {
    // Anything else is a configuration mistake; falling back to SQLite would silently split the data.
    throw new Error('DATABASE_URL must start with postgres:// or postgresql:// (leave it unset for SQLite)');
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const { openSqliteStore } = await import('./sqlite.js');
  return openSqliteStore({ file: options.sqliteFile ?? join(options.dataDir, SQLITE_FILE_NAME) });
}
