// PostgreSQL implementation, for several stateless instances sharing one database. Correctness under concurrency
// comes from row locks taken inside short READ COMMITTED transactions, never from in-process state:
//   - create: the tenant's row in `tenants` is locked FOR UPDATE, so creates in one tenant run one at a time across
//     all instances, and the limit check sees every committed create before it.
//   - appendCertificate / update: the first write is an UPDATE of the connector row, which takes its row lock and
//     claims seq numbers from the row's counter; a racing PATCH and upload therefore commit in a serial order.
// Reads are single statements, so each read is one consistent snapshot.
import pg from 'pg';
import type { ConnectorPatch, ConnectorRepository, ConnectorRow, CreateResult, NewConnector } from './repository.js';
import type { StoredCertificate } from './repository.js';
import { assertMigrated, migrate } from './postgres-migrate.js';
import {
  inTransaction,
  insertCertificates,
  prefetchSealedKeys,
  readConnectors,
  readOneConnector,
  RollbackFailed,
} from './postgres-sql.js';
import { authColumns, newCertificates, patchAssignments } from './rows.js';

export interface PostgresStoreOptions {
  /** postgres:// or postgresql:// URL. A `schema` query parameter selects the schema (like `schema` below). */
  connectionString: string;
  /** Schema for all tables (search_path); created when missing. Lowercase letters, digits, underscore. */
  schema?: string;
  /** Pool size per instance. Default 10. */
  poolSize?: number;
  /** Server-side statement_timeout for every query (lock waits included). Default 5000 ms. */
  statementTimeoutMs?: number;
  /** Longest wait to connect or to get a pooled connection. Default 10000 ms. */
  connectionTimeoutMs?: number;
  /** Errors of idle pooled connections (e.g. the server restarted); queries still fail on their own. */
  onPoolError?: (error: Error) => void;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;
// Migrations, and the wait for another instance's migration lock, may take longer than ordinary statements.
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

export function isSchemaName(name: string): boolean {
  return SCHEMA_NAME.test(name);
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<ConnectorRepository> {
  const { connectionString, schema, urlOptions } = splitConnectionString(options.connectionString, options.schema);
  const poolSize = positiveInteger('poolSize', options.poolSize ?? DEFAULT_POOL_SIZE);
  const statementTimeout = positiveInteger(
    'statementTimeoutMs',
    options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
  );
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
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not rethrown: Node's URL error carries the input, and with it any password in the URL.
    throw new Error('DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)');
  }
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

class PostgresConnectorRepository implements ConnectorRepository {
  private closing: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {}

  async list(tenantId: string): Promise<ConnectorRow[]> {
    return readConnectors(this.pool, tenantId);
  }

  async get(tenantId: string, id: string): Promise<ConnectorRow | undefined> {
    return readOneConnector(this.pool, tenantId, id);
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
      const taken = await client.query<{ exists: boolean; n: number }>(
        `SELECT EXISTS (SELECT 1 FROM connectors WHERE tenant_id = $1 AND id = $2) AS exists,
                (SELECT count(*) FROM connectors WHERE tenant_id = $1) AS n`,
        [tenantId, id],
      );
      if (taken.rows[0]?.exists) return { ok: false, reason: 'conflict' };
      if ((taken.rows[0]?.n ?? 0) >= maxPerTenant) return { ok: false, reason: 'limit' };
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
      const known = new Map(certificates.map((cert, index) => [index + 1, cert.sealedKey]));
      return { ok: true, row: await mustRead(client, tenantId, id, known) };
    });
  }

  async update(tenantId: string, id: string, patch: ConnectorPatch, now: number): Promise<ConnectorRow | undefined> {
    return this.transaction(async (client) => {
      const replacements = patch.auth ? newCertificates(patch.auth) : [];
      // Without an auth change the certificates stay: fetch their keys before taking the lock (see postgres-sql.ts).
      const known = patch.auth ? new Map<number, string>() : await prefetchSealedKeys(client, tenantId, id);
      const assignments = patchAssignments(patch, now);
      const setClause = assignments.map(([column], index) => `${column} = $${index + 1}`).join(', ');
      const n = assignments.length;
      // This UPDATE takes the connector's row lock (held to COMMIT) before anything is written.
      const updated = await client.query<{ last_cert_seq: number }>(
        `UPDATE connectors SET ${setClause}, last_cert_seq = last_cert_seq + $${n + 1}
         WHERE tenant_id = $${n + 2} AND id = $${n + 3} RETURNING last_cert_seq`,
        [...assignments.map(([, value]) => value), replacements.length, tenantId, id],
      );
      const lastSeq = updated.rows[0]?.last_cert_seq;
      if (lastSeq === undefined) return undefined;
      if (patch.auth) {
        // The new list continues the connector's seq counter; seqs are never reused within a connector.
        const firstSeq = lastSeq - replacements.length + 1;
        await client.query('DELETE FROM certificates WHERE tenant_id = $1 AND connector_id = $2', [tenantId, id]);
        await insertCertificates(client, tenantId, id, replacements, firstSeq, now);
        replacements.forEach((cert, index) => known.set(firstSeq + index, cert.sealedKey));
      }
      return mustRead(client, tenantId, id, known);
    });
  }

  async appendCertificate(
    tenantId: string,
    id: string,
    cert: StoredCertificate,
    now: number,
  ): Promise<ConnectorRow | undefined> {
    return this.transaction(async (client) => {
      const known = await prefetchSealedKeys(client, tenantId, id); // before the lock: keys never change
      // One statement locks the row, claims the next seq and inserts the certificate. A concurrent append waits on the
      // lock, then re-reads the incremented counter (READ COMMITTED re-evaluates the updated row): seqs never collide.
      const claimed = await client.query<{ seq: number }>(
        `WITH claimed AS (
           UPDATE connectors SET last_cert_seq = last_cert_seq + 1, auth_kind = 'certificate',
             basic_username = NULL, basic_sealed_password = NULL, updated_at = $1::bigint
           WHERE tenant_id = $2::text AND id = $3::text
           RETURNING last_cert_seq)
         INSERT INTO certificates (tenant_id, connector_id, seq, thumbprint, not_before, not_after, sealed_key,
           uploaded_at)
         SELECT $2::text, $3::text, last_cert_seq, $4::text, $5::bigint, $6::bigint, $7::text, $1::bigint FROM claimed
         RETURNING seq`,
        [now, tenantId, id, cert.thumbprint, cert.notBefore, cert.notAfter, cert.sealedKey],
      );
      const seq = claimed.rows[0]?.seq;
      if (seq === undefined) return undefined;
      known.set(seq, cert.sealedKey);
      return mustRead(client, tenantId, id, known);
    });
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    // Certificates go with it: ON DELETE CASCADE.
    const result = await this.pool.query('DELETE FROM connectors WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return (result.rowCount ?? 0) > 0;
  }

  async ping(): Promise<void> {
    await assertMigrated(this.pool);
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

async function mustRead(
  client: pg.PoolClient,
  tenantId: string,
  id: string,
  knownSealedKeys: ReadonlyMap<number, string>,
): Promise<ConnectorRow> {
  const row = await readOneConnector(client, tenantId, id, knownSealedKeys);
  if (!row) throw new Error(`connector ${id} vanished inside its own transaction`);
  return row;
}
