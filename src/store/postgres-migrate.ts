// Start-up migrations for PostgreSQL, safe when several instances start at once.
import pg from 'pg';
import { migrations } from './migrations/index.js';
import type { Queryable } from './postgres-sql.js';

/**
 * Applies pending migrations under a session advisory lock, so instances starting together take turns: the first
 * migrates, the others wait and then find nothing to do. CREATE SCHEMA runs under the lock too (it races otherwise).
 * `schema` has been validated as [a-z_][a-z0-9_]* by the caller, so it is safe to quote into DDL.
 */
export async function migrate(config: pg.ClientConfig, schema: string | undefined): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    const lockSchema =
      schema ?? (await client.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s ?? '';
    const lockKey = `api-connectors/migrations/${lockSchema}`;
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey]);
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations ' +
          '(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const applied = await appliedVersions(client);
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.postgres);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            Date.now(),
          ]);
          await client.query('COMMIT');
        } catch (error) {
          // Best effort: if the connection itself failed, ending it (below) rolls back anyway.
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
    } finally {
      // Best effort: ending the session below releases the lock anyway, and an error here would mask the real one.
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

export async function appliedVersions(db: Queryable): Promise<Set<number>> {
  const result = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
  return new Set(result.rows.map((row) => row.version));
}

/** Throws unless every migration this version knows is applied (newer, unknown ones are tolerated). */
export async function assertMigrated(db: Queryable): Promise<void> {
  const applied = await appliedVersions(db);
  const missing = migrations.filter((m) => !applied.has(m.version)).map((m) => m.version);
  if (missing.length > 0) throw new Error(`database migrations not applied: ${missing.join(', ')}`);
}
