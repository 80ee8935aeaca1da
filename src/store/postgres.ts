// PostgreSQL implementation, for several stateless instances sharing one database. Correctness under concurrency
// comes from row locks, never from in-process state. Every write is one call to a server-side function (migration
// 002), i.e. one statement in its own READ COMMITTED transaction, so locks are never held across client round trips:
//   - create: the tenant's row in `tenants` is locked FOR UPDATE, so creates in one tenant run one at a time across
//     all instances, and the limit check sees every committed create before it.
//   - appendCertificate / update: the first statement updates the connector row, which takes its row lock and
//     claims seq numbers from the row's counter; a racing PATCH and upload therefore commit in a serial order.
// Reads are single statements, so each read is one consistent snapshot.
import pg from 'pg';
import type { ConnectorPatch, ConnectorRepository, ConnectorRow, CreateResult, NewConnector } from './repository.js';
import type { StoredCertificate, TenantSnapshot } from './repository.js';
import { DuplicateCertificateError, UNIQUE_THUMBPRINT_INDEX } from './repository.js';
import { assertMigrated, migrate } from './postgres-migrate.js';
import { certificateArrays, queryConnectors, readConnector, readGenerations, readTenant } from './postgres-sql.js';
import { GenerationReads } from './generation-reads.js';
import { authColumns, newCertificates } from './rows.js';

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

// SQLSTATEs raised by create_connector (migration 002).
const DUPLICATE_ID = 'ACDUP';
const TENANT_LIMIT = 'ACLIM';

class PostgresConnectorRepository implements ConnectorRepository {
  private closing: Promise<void> | undefined;

  private readonly generations: GenerationReads;

  constructor(private readonly pool: pg.Pool) {
    this.generations = new GenerationReads((tenantIds) => readGenerations(pool, tenantIds));
  }

  async list(tenantId: string): Promise<ConnectorRow[]> {
    return (await readTenant(this.pool, tenantId)).rows;
  }

  async listSnapshot(tenantId: string): Promise<TenantSnapshot> {
    return readTenant(this.pool, tenantId);
  }

  async generation(tenantId: string): Promise<number | undefined> {
    return this.generations.read(tenantId); // coalesced per turn of the event loop (generation-reads.ts)
  }

  async get(tenantId: string, id: string): Promise<ConnectorRow | undefined> {
    return readConnector(this.pool, tenantId, id);
  }

  async create(connector: NewConnector, maxPerTenant: number): Promise<CreateResult> {
    const auth = authColumns(connector.auth);
    try {
      const [row] = await queryConnectors(
        this.pool,
        'create_connector($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)',
        [
          connector.tenantId,
          connector.id,
          connector.displayName,
          connector.targetUrl,
          auth.auth_kind,
          auth.basic_username,
          auth.basic_sealed_password,
          connector.now,
          maxPerTenant,
          ...certificateArrays(newCertificates(connector.auth)),
        ],
      );
      if (!row) throw new Error(`create_connector returned no row for ${connector.id}`);
      return { ok: true, row };
    } catch (error) {
      if (error instanceof pg.DatabaseError && error.code === DUPLICATE_ID) return { ok: false, reason: 'conflict' };
      if (error instanceof pg.DatabaseError && error.code === TENANT_LIMIT) return { ok: false, reason: 'limit' };
      throw error;
    }
  }

  async update(tenantId: string, id: string, patch: ConnectorPatch, now: number): Promise<ConnectorRow | undefined> {
    const auth = patch.auth ? authColumns(patch.auth) : undefined;
    const [row] = await queryConnectors(
      this.pool,
      'update_connector($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)',
      [
        tenantId,
        id,
        patch.displayName ?? null,
        patch.targetUrl ?? null,
        now,
        auth !== undefined,
        auth?.auth_kind ?? null,
        auth?.basic_username ?? null,
        auth?.basic_sealed_password ?? null,
        ...certificateArrays(patch.auth ? newCertificates(patch.auth) : []),
      ],
    );
    return row;
  }

  async appendCertificate(
    tenantId: string,
    id: string,
    cert: StoredCertificate,
    now: number,
  ): Promise<ConnectorRow | undefined> {
    try {
      const [row] = await queryConnectors(this.pool, 'append_certificate($1, $2, $3, $4, $5, $6, $7)', [
        tenantId,
        id,
        cert.thumbprint,
        cert.notBefore,
        cert.notAfter,
        cert.sealedKey,
        now,
      ]);
      return row;
    } catch (error) {
      // The function's transaction rolled back; the unique index refused a re-upload of the same certificate.
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === '23505' && constraint === UNIQUE_THUMBPRINT_INDEX)
        throw new DuplicateCertificateError(cert.thumbprint);
      throw error;
    }
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
}
