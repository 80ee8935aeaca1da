// Stores for the benchmark: a fresh temp data dir (SQLite, plus the KEK and dev signing key for both stores) and,
// for PostgreSQL, a fresh schema in the DATABASE_URL database, dropped afterwards. Seeding writes rows directly
// with SQL in bulk (the issue allows it; 200,000 connectors through HTTP would take minutes), with real sealed
// certificate material so the rows are what an upload would have written.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { API_CONNECTORS_PERMISSION, DevIssuer } from '../../src/auth/index.js';
import { certificateContext } from '../../src/connectors/service.js';
import { decodePkcs12 } from '../../src/pkcs12/index.js';
import { createSealer } from '../../src/secrets/index.js';
import { openStore, SQLITE_FILE_NAME } from '../../src/store/index.js';
import { loadFixture } from '../../test/fixtures/index.js';
import type { StoreKind } from './report.js';

export interface BenchStore {
  kind: StoreKind;
  dataDir: string;
  /** PostgreSQL only: DATABASE_URL with `?schema=` of the fresh schema. */
  databaseUrl?: string;
  /** A bearer token for `tenantId` (development issuer of this data dir). */
  token(tenantId: string): Promise<string>;
  remove(): Promise<void>;
}

/** Deterministic GUIDs, so runs are comparable and ids are valid Graph ids. */
export const tenantGuid = (n: number) => `b3c4e000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
export const connectorGuid = (tenant: number, n: number) =>
  `${tenant.toString(16).padStart(8, '0')}-${n.toString(16).padStart(4, '0')}-4000-8000-00000000c0de`;

/** `migrate: false` leaves the store empty (no tables), for first-start measurements. */
export async function createBenchStore(
  kind: StoreKind,
  pgUrl: string | undefined,
  options: { migrate?: boolean } = {},
): Promise<BenchStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'api-connectors-bench-'));
  let databaseUrl: string | undefined;
  let dropSchema = async () => {};
  if (kind === 'postgres') {
    if (!pgUrl) throw new Error('PostgreSQL needs DATABASE_URL');
    const schema = `bench_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    await withPgClient(pgUrl, (client) => client.query(`CREATE SCHEMA "${schema}"`));
    const url = new URL(pgUrl);
    url.searchParams.set('schema', schema);
    databaseUrl = url.toString();
    dropSchema = async () => {
      await withPgClient(pgUrl, (client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    };
  }
  if (options.migrate !== false) {
    // Migrations through the real store, as a server's first start would run them.
    const repository = await openStore({ dataDir, ...(databaseUrl ? { databaseUrl } : {}) });
    await repository.close();
  }
  const issuer = await DevIssuer.open({ dataDir });
  return {
    kind,
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    token: (tenantId) => issuer.issueToken({ tenantId, roles: [API_CONNECTORS_PERMISSION] }),
    async remove() {
      await dropSchema();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function withPgClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface SeedSpec {
  /** Tenant numbers (see tenantGuid). */
  tenants: number[];
  connectorsPerTenant: number;
  /** Each connector gets one certificate (the modern fixture), or none (an upload target). */
  withCertificate: boolean;
  /** Connector numbers start here (see connectorGuid), so several seeds can share a tenant. */
  firstConnector?: number;
}

interface CertificateTemplate {
  thumbprint: string;
  notBefore: number;
  notAfter: number;
  material: Buffer;
}

let template: Promise<CertificateTemplate> | undefined;
/** What the service stores for an upload of modern-rsa2048.pfx, before sealing (see ConnectorService). */
function certificateTemplate(): Promise<CertificateTemplate> {
  template ??= (async () => {
    const fixture = loadFixture('modern-rsa2048.pfx');
    const decoded = await decodePkcs12(fixture.bytes, fixture.password);
    const material = Buffer.from(
      JSON.stringify({
        keyPkcs8: decoded.privateKeyPkcs8.toString('base64'),
        chain: [decoded.leaf.der, ...decoded.chain].map((der) => der.toString('base64')),
      }),
    );
    const { thumbprint, notBefore, notAfter } = decoded.leaf.facts;
    return { thumbprint, notBefore, notAfter, material };
  })();
  return template;
}

interface SeedRow {
  tenantId: string;
  id: string;
  createdAt: number;
  sealedKey: string | undefined;
}

async function* seedRows(store: BenchStore, spec: SeedSpec, batchSize: number): AsyncGenerator<SeedRow[]> {
  const cert = await certificateTemplate();
  const sealer = await createSealer({ dataDir: store.dataDir });
  const now = Date.now();
  let batch: SeedRow[] = [];
  for (const t of spec.tenants) {
    const tenantId = tenantGuid(t);
    for (let c = 0; c < spec.connectorsPerTenant; c++) {
      const id = connectorGuid(t, (spec.firstConnector ?? 0) + c);
      const sealedKey = spec.withCertificate
        ? sealer.seal(cert.material, certificateContext(tenantId, id, cert.thumbprint))
        : undefined;
      batch.push({ tenantId, id, createdAt: now + c, sealedKey });
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** Inserts the connectors (and certificates) of `spec`; returns the connector ids per tenant number. */
export async function seed(store: BenchStore, spec: SeedSpec): Promise<Map<number, string[]>> {
  const cert = await certificateTemplate();
  const ids = new Map<number, string[]>();
  for (const t of spec.tenants) {
    ids.set(
      t,
      Array.from({ length: spec.connectorsPerTenant }, (_, c) => connectorGuid(t, (spec.firstConnector ?? 0) + c)),
    );
  }
  if (store.kind === 'sqlite') await seedSqlite(store, spec, cert);
  else await seedPostgres(store, spec, cert);
  return ids;
}

async function seedSqlite(store: BenchStore, spec: SeedSpec, cert: CertificateTemplate): Promise<void> {
  const db = new Database(join(store.dataDir, SQLITE_FILE_NAME));
  try {
    db.pragma('synchronous = OFF'); // a bulk load: durability comes from the checkpoint below
    const tenant = db.prepare('INSERT INTO tenants (tenant_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING');
    const connector = db.prepare(
      `INSERT INTO connectors (tenant_id, id, display_name, target_url, auth_kind, last_cert_seq, created_at,
         updated_at) VALUES (?, ?, ?, ?, 'certificate', ?, ?, ?)`,
    );
    const certificate = db.prepare(
      `INSERT INTO certificates (tenant_id, connector_id, seq, thumbprint, not_before, not_after, sealed_key,
         uploaded_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?)`,
    );
    const insert = db.transaction((rows: SeedRow[]) => {
      for (const row of rows) {
        tenant.run(row.tenantId, row.createdAt);
        connector.run(
          row.tenantId,
          row.id,
          `Connector ${row.id.slice(0, 13)}`,
          `https://api.contoso.example/${row.id.slice(0, 8)}/validate`,
          row.sealedKey ? 1 : 0,
          row.createdAt,
          row.createdAt,
        );
        if (row.sealedKey) {
          certificate.run(
            row.tenantId,
            row.id,
            cert.thumbprint,
            cert.notBefore,
            cert.notAfter,
            row.sealedKey,
            row.createdAt,
          );
        }
      }
    });
    for await (const rows of seedRows(store, spec, 10_000)) insert(rows);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

async function seedPostgres(store: BenchStore, spec: SeedSpec, cert: CertificateTemplate): Promise<void> {
  const url = new URL(store.databaseUrl!);
  const schema = url.searchParams.get('schema')!;
  url.searchParams.delete('schema');
  await withPgClient(url.toString(), async (client) => {
    await client.query(`SET search_path TO "${schema}"`);
    await client.query('SET synchronous_commit TO off');
    // Sealing the next batch (here) overlaps with PostgreSQL writing the previous one (its own process).
    let pending: Promise<void> = Promise.resolve();
    for await (const rows of seedRows(store, spec, 5_000)) {
      await pending;
      pending = insertPgBatch(client, rows, spec, cert);
      pending.catch(() => undefined); // awaited (and thrown) on the next turn; not an unhandled rejection meanwhile
    }
    await pending;
    await client.query('ANALYZE tenants, connectors, certificates');
  });
}

async function insertPgBatch(
  client: pg.Client,
  rows: SeedRow[],
  spec: SeedSpec,
  cert: CertificateTemplate,
): Promise<void> {
  const tenants = rows.map((r) => r.tenantId);
  const ids = rows.map((r) => r.id);
  const created = rows.map((r) => r.createdAt);
  await client.query('BEGIN');
  await client.query(
    `INSERT INTO tenants (tenant_id, created_at) SELECT DISTINCT t, $2::bigint FROM unnest($1::text[]) AS t
       ON CONFLICT DO NOTHING`,
    [tenants, created[0]],
  );
  await client.query(
    `INSERT INTO connectors (tenant_id, id, display_name, target_url, auth_kind, last_cert_seq, created_at,
         updated_at)
       SELECT t, i, 'Connector ' || left(i, 13), 'https://api.contoso.example/' || left(i, 8) || '/validate',
         'certificate', $4::bigint, c, c
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS r (t, i, c)`,
    [tenants, ids, created, spec.withCertificate ? 1 : 0],
  );
  if (spec.withCertificate) {
    await client.query(
      `INSERT INTO certificates (tenant_id, connector_id, seq, thumbprint, not_before, not_after, sealed_key,
           uploaded_at)
         SELECT t, i, 1, $4, $5::bigint, $6::bigint, k, c FROM unnest($1::text[], $2::text[], $3::bigint[],
           $7::text[]) AS r (t, i, c, k)`,
      [tenants, ids, created, cert.thumbprint, cert.notBefore, cert.notAfter, rows.map((r) => r.sealedKey)],
    );
  }
  await client.query('COMMIT');
}

export interface UploadTarget {
  path: string;
  authorization: string;
}

/**
 * Connectors without a certificate to upload to, `perTenant` per tenant (Graph's limit is 20, so tenants stay
 * realistic), each with its tenant's token: every upload to one is a first, successful upload.
 */
export async function seedUploadTargets(
  store: BenchStore,
  count: number,
  options: { firstTenant: number; perTenant?: number },
): Promise<UploadTarget[]> {
  const perTenant = options.perTenant ?? 20;
  const tenants = Array.from({ length: Math.ceil(count / perTenant) }, (_, i) => options.firstTenant + i);
  const ids = await seed(store, { tenants, connectorsPerTenant: perTenant, withCertificate: false });
  const targets: UploadTarget[] = [];
  for (const t of tenants) {
    const authorization = `Bearer ${await store.token(tenantGuid(t))}`;
    for (const id of ids.get(t)!) {
      targets.push({ path: `/v1.0/identity/apiConnectors/${id}/uploadClientCertificate`, authorization });
    }
  }
  return targets;
}
