// PostgreSQL implementation, for several stateless instances sharing one database. Correctness under concurrency
// comes from row locks taken inside short READ COMMITTED transactions, never from in-process state:
//   - create: the tenant's row in `tenants` is locked FOR UPDATE, so creates in one tenant run one at a time across
//     all instances, and the limit check sees every committed create before it.
//   - appendCertificate / update: the first statement is an UPDATE of the connector row, which takes its row lock
//     and claims seq numbers from the row's counter; a racing PATCH and upload therefore commit in a serial order.
// Reads are single statements (certificates aggregated as JSON), so each read is one consistent snapshot.
import pg from 'pg';
import type { ConnectorPatch, ConnectorRepository, ConnectorRow, CreateResult, NewConnector } from './repository.js';
import type { StoredCertificate, StoredCertificateRow } from './repository.js';
import { migrations } from './migrations/index.js';
import { authColumns, newCertificates, patchAssignments, toConnectorRow, type ConnectorRecord } from './rows.js';

export interface PostgresStoreOptions {
  /** postgres:// or postgresql:// URL. A `schema` query parameter selects the schema (like `schema` below). */
  connectionString: string;
  /** Schema for all tables (search_path); created when missing. Lowercase letters, digits, underscore. */
  schema?: string;
  /** Pool size per instance. Default 10. */
  poolSize?: number;
  /** Server-side statement_timeout for every query. Default 5000 ms. */
  statementTimeoutMs?: number;
  /** Longest wait to connect or to get a pooled connection. Default 10000 ms. */
  connectionTimeoutMs?: number;
  /** Errors of idle pooled connections (e.g. the server restarted); queries still fail on their own. */
  onPoolError?: (error: Error) => void;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;
// Migrations and the wait for another instance's migration lock get longer than ordinary statements.
const MIGRATION_STATEMENT_TIMEOUT_MS = 120_000;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

// BIGINT columns hold milliseconds and Unix seconds: convert to number, refusing values a double cannot hold exactly.
// Set per pool (not on pg.types globally) so other pg users in the process are unaffected.
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`64-bit value ${text} is beyond Number.MAX_SAFE_INTEGER`);
  return value;
}
const typeParsers = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

const CONNECTOR_SELECT = `
  SELECT c.tenant_id, c.id, c.display_name, c.target_url, c.auth_kind, c.basic_username, c.basic_sealed_password,
         c.created_at, c.updated_at,
         COALESCE((
           SELECT json_agg(json_build_object(
                    'thumbprint', k.thumbprint, 'notBefore', k.not_before, 'notAfter', k.not_after,
                    'sealedKey', k.sealed_key, 'seq', k.seq, 'uploadedAt', k.uploaded_at) ORDER BY k.seq)
           FROM certificates k WHERE k.tenant_id = c.tenant_id AND k.connector_id = c.id
         ), '[]'::json) AS certificates
  FROM connectors c`;

interface ConnectorWithCertificates extends ConnectorRecord {
  certificates: StoredCertificateRow[];
}

type Queryable = Pick<pg.PoolClient, 'query'>;

export function isSchemaName(name: string): boolean {
  return SCHEMA_NAME.test(name);
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<ConnectorRepository> {
  const { connectionString, schema, urlOptions } = splitConnectionString(options.connectionString, options.schema);
  const poolSize = positiveInteger('poolSize', options.poolSize ?? DEFAULT_POOL_SIZE);
  const statementTimeout = positiveInteger('statementTimeoutMs', options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS);
  const connectionTimeout = positiveInteger(
    'connectionTimeoutMs',
    options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
  );
  const serverOptions = [urlOptions, schema ? `-c search_path=${schema}` : undefined].filter(Boolean).join(' ');
  const clientConfig: pg.ClientConfig = {
    connectionString,
    application_name: 'api-connectors',
    types: typeParsers,
    connectionTimeoutMillis: connectionTimeout,
    ...(serverOptions ? { options: serverOptions } : {}),
  };

  await migrate({ ...clientConfig, statement_timeout: MIGRATION_STATEMENT_TIMEOUT_MS }, schema);
  const pool = new pg.Pool({ ...clientConfig, statement_timeout: statementTimeout, max: poolSize });
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  return new PostgresConnectorRepository(pool);
}

/** Pulls our `schema` parameter (and any libpq `options`, to merge with search_path) out of the URL. */
function splitConnectionString(
  url: string,
  explicitSchema: string | undefined,
): { connectionString: string; schema: string | undefined; urlOptions: string | undefined } {
  const parsed = new URL(url);
  const urlSchema = parsed.searchParams.get('schema') ?? undefined;
  const urlOptions = parsed.searchParams.get('options') ?? undefined;
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('options');
  const schema = explicitSchema ?? urlSchema;
  if (schema !== undefined && !isSchemaName(schema)) {
    throw new Error(`PostgreSQL schema name must match ${SCHEMA_NAME.source} (lowercase letters, digits, underscore)`);
  }
  return { connectionString: parsed.toString(), schema, urlOptions };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

/**
 * Applies pending migrations under a session advisory lock, so instances starting together take turns: the first
 * migrates, the others wait and then find nothing to do. CREATE SCHEMA runs under the lock too (it races otherwise).
 */
async function migrate(config: pg.ClientConfig, schema: string | undefined): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    const lockSchema =
      schema ?? (await client.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s ?? '';
    const lockKey = `api-connectors/migrations/${lockSchema}`;
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey]);
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`); // name validated: [a-z0-9_]
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const applied = await appliedVersions(client);
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await inTransaction(client, async () => {
          await client.query(migration.postgres);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            Date.now(),
          ]);
        });
      }
    } catch (error) {
      throw error instanceof RollbackFailed ? error.original : error;
    } finally {
      // Best effort: ending the session below releases the lock anyway, and an error here would mask the real one.
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

async function appliedVersions(db: Queryable): Promise<Set<number>> {
  const result = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
  return new Set(result.rows.map((row) => row.version));
}

/** BEGIN … COMMIT; on any error ROLLBACK and rethrow (as RollbackFailed when the ROLLBACK itself fails). */
async function inTransaction<T>(client: Queryable, work: () => Promise<T>): Promise<T> {
  try {
    await client.query('BEGIN');
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      throw new RollbackFailed(error);
    }
    throw error;
  }
}

class PostgresConnectorRepository implements ConnectorRepository {
  private closing: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {}

  async list(tenantId: string): Promise<ConnectorRow[]> {
    const result = await this.pool.query<ConnectorWithCertificates>(
      `${CONNECTOR_SELECT} WHERE c.tenant_id = $1 ORDER BY c.created_at, c.id`,
      [tenantId],
    );
    return result.rows.map((record) => toConnectorRow(record, record.certificates));
  }

  async get(tenantId: string, id: string): Promise<ConnectorRow | undefined> {
    return readRow(this.pool, tenantId, id);
  }

  async create(connector: NewConnector, maxPerTenant: number): Promise<CreateResult> {
    const { tenantId, id, now } = connector;
    return this.transaction(async (client): Promise<CreateResult> => {
      await client.query(
        'INSERT INTO tenants (tenant_id, created_at) VALUES ($1, $2) ON CONFLICT (tenant_id) DO NOTHING',
        [tenantId, now],
      );
      // The per-tenant lock: every create in this tenant, on every instance, queues here until we commit.
      await client.query('SELECT 1 FROM tenants WHERE tenant_id = $1 FOR UPDATE', [tenantId]);
      const existing = await client.query('SELECT 1 FROM connectors WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
      if (existing.rowCount) return { ok: false, reason: 'conflict' };
      const count = await client.query<{ n: number }>('SELECT count(*) AS n FROM connectors WHERE tenant_id = $1', [
        tenantId,
      ]);
      if ((count.rows[0]?.n ?? 0) >= maxPerTenant) return { ok: false, reason: 'limit' };
      const certificates = newCertificates(connector.auth);
      const auth = authColumns(connector.auth);
      await client.query(
        `INSERT INTO connectors (tenant_id, id, display_name, target_url, auth_kind, basic_username,
           basic_sealed_password, last_cert_seq, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
        [
          tenantId,
          id,
          connector.displayName,
          connector.targetUrl,
          auth.auth_kind,
          auth.basic_username,
          auth.basic_sealed_password,
          certificates.length,
          now,
        ],
      );
      await insertCertificates(client, tenantId, id, certificates, 1, now);
      return { ok: true, row: await mustReadRow(client, tenantId, id) };
    });
  }

  async update(tenantId: string, id: string, patch: ConnectorPatch, now: number): Promise<ConnectorRow | undefined> {
    return this.transaction(async (client) => {
      const replacements = patch.auth ? newCertificates(patch.auth) : [];
      const assignments = patchAssignments(patch, now);
      const setClause = assignments.map(([column], index) => `${column} = $${index + 1}`).join(', ');
      const n = assignments.length;
      // This UPDATE takes the connector's row lock (held to COMMIT) before anything else is read or written.
      const updated = await client.query<{ last_cert_seq: number }>(
        `UPDATE connectors SET ${setClause}, last_cert_seq = last_cert_seq + $${n + 1}
         WHERE tenant_id = $${n + 2} AND id = $${n + 3} RETURNING last_cert_seq`,
        [...assignments.map(([, value]) => value), replacements.length, tenantId, id],
      );
      const lastSeq = updated.rows[0]?.last_cert_seq;
      if (lastSeq === undefined) return undefined;
      if (patch.auth) {
        // The new list continues the connector's seq counter; seqs are never reused within a connector.
        await client.query('DELETE FROM certificates WHERE tenant_id = $1 AND connector_id = $2', [tenantId, id]);
        await insertCertificates(client, tenantId, id, replacements, lastSeq - replacements.length + 1, now);
      }
      return mustReadRow(client, tenantId, id);
    });
  }

  async appendCertificate(
    tenantId: string,
    id: string,
    cert: StoredCertificate,
    now: number,
  ): Promise<ConnectorRow | undefined> {
    return this.transaction(async (client) => {
      // Locks the row and claims the next seq in one statement; a concurrent append waits here, then re-reads the
      // incremented counter (READ COMMITTED re-evaluates the updated row), so seqs never collide.
      const claimed = await client.query<{ last_cert_seq: number }>(
        `UPDATE connectors SET last_cert_seq = last_cert_seq + 1, auth_kind = 'certificate',
           basic_username = NULL, basic_sealed_password = NULL, updated_at = $1
         WHERE tenant_id = $2 AND id = $3 RETURNING last_cert_seq`,
        [now, tenantId, id],
      );
      const seq = claimed.rows[0]?.last_cert_seq;
      if (seq === undefined) return undefined;
      await insertCertificates(client, tenantId, id, [cert], seq, now);
      return mustReadRow(client, tenantId, id);
    });
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    // Certificates go with it: ON DELETE CASCADE.
    const result = await this.pool.query('DELETE FROM connectors WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return (result.rowCount ?? 0) > 0;
  }

  async ping(): Promise<void> {
    const applied = await appliedVersions(this.pool);
    const missing = migrations.filter((m) => !applied.has(m.version)).map((m) => m.version);
    if (missing.length > 0) throw new Error(`database migrations not applied: ${missing.join(', ')}`);
  }

  close(): Promise<void> {
    // pool.end() waits for checked-out clients to be released, then closes every connection.
    this.closing ??= this.pool.end();
    return this.closing;
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      const result = await inTransaction(client, () => work(client));
      client.release();
      return result;
    } catch (error) {
      // After a failed ROLLBACK (e.g. connection lost) the client is unusable: destroy it instead of pooling it.
      client.release(error instanceof RollbackFailed ? error : undefined);
      throw error instanceof RollbackFailed ? error.original : error;
    }
  }
}

class RollbackFailed extends Error {
  constructor(readonly original: unknown) {
    super('ROLLBACK failed');
  }
}

async function insertCertificates(
  client: Queryable,
  tenantId: string,
  id: string,
  certificates: StoredCertificate[],
  firstSeq: number,
  now: number,
): Promise<void> {
  for (const [index, cert] of certificates.entries()) {
    await client.query(
      `INSERT INTO certificates (tenant_id, connector_id, seq, thumbprint, not_before, not_after, sealed_key,
         uploaded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [tenantId, id, firstSeq + index, cert.thumbprint, cert.notBefore, cert.notAfter, cert.sealedKey, now],
    );
  }
}

async function readRow(db: Queryable, tenantId: string, id: string): Promise<ConnectorRow | undefined> {
  const result = await db.query<ConnectorWithCertificates>(`${CONNECTOR_SELECT} WHERE c.tenant_id = $1 AND c.id = $2`, [
    tenantId,
    id,
  ]);
  const record = result.rows[0];
  return record ? toConnectorRow(record, record.certificates) : undefined;
}

async function mustReadRow(db: Queryable, tenantId: string, id: string): Promise<ConnectorRow> {
  const row = await readRow(db, tenantId, id);
  if (!row) throw new Error(`connector ${id} vanished inside its own transaction`);
  return row;
}
