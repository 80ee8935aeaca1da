// SQLite implementation (the embedded default), on better-sqlite3 12. better-sqlite3 is synchronous, so within one
// process every method runs to completion without interleaving; across processes (or several connections on one
// file) every write runs in a BEGIN IMMEDIATE transaction, which takes the database write lock up front — the
// per-tenant limit check, the seq assignment and the PATCH are therefore serialised. busy_timeout makes a second
// writer wait for the lock instead of failing with SQLITE_BUSY.
import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type {
  ConnectorPatch,
  ConnectorRepository,
  ConnectorRow,
  CreateResult,
  NewConnector,
  TenantSnapshot,
} from './repository.js';
import type { StoredCertificate, StoredCertificateRow } from './repository.js';
import { DuplicateCertificateError } from './repository.js';
import { GenerationReads } from './generation-reads.js';
import { migrations } from './migrations/index.js';
import {
  authColumns,
  certificateRow,
  newCertificates,
  patchAssignments,
  toConnectorRow,
  type ConnectorRecord,
} from './rows.js';

export interface SqliteStoreOptions {
  /** Database file; created with mode 0600 when missing. Its directory must exist. */
  file: string;
  /** How long a writer waits for another connection's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
}

// Reads return rows as arrays (better-sqlite3's raw mode): building a keyed object per row in C++ cost twice as
// much as the query itself, and a list reads 40 rows (docs/performance.md). The tuples follow the column lists.
const CONNECTOR_COLUMNS =
  'id, display_name, target_url, auth_kind, basic_username, basic_sealed_password, created_at, updated_at';
type ConnectorTuple = [
  id: string,
  display_name: string,
  target_url: string,
  auth_kind: string,
  basic_username: string | null,
  basic_sealed_password: string | null,
  created_at: number,
  updated_at: number,
];
// No sealed_key: reads never return key material (repository.ts, StoredCertificateRow).
const CERTIFICATE_COLUMNS = 'connector_id, seq, thumbprint, not_before, not_after, uploaded_at';
type CertificateTuple = [
  connector_id: string,
  seq: number,
  thumbprint: string,
  not_before: number,
  not_after: number,
  uploaded_at: number,
];

export async function openSqliteStore(options: SqliteStoreOptions): Promise<ConnectorRepository> {
  createPrivateFile(options.file);
  const db = new Database(options.file);
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`); // first: the next pragmas may wait
    // 8 KiB pages (new databases only; before anything is written): a certificate row, ~4 KB of sealed key, then
    // fits in its leaf page instead of spilling into an overflow page, and a list reads ~40% faster.
    db.pragma('page_size = 8192');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL'); // an acknowledged upload survives power loss, not only a process restart
    db.pragma('foreign_keys = ON');
    migrate(db);
    return new SqliteConnectorRepository(db);
  } catch (error) {
    db.close();
    throw error;
  }
}

// SQLite creates -wal/-shm with the main file's permissions, so creating the main file 0600 covers all three.
function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if (!(error instanceof Error && (error as NodeJS.ErrnoException).code === 'EEXIST')) throw error;
  }
}

function migrate(db: Database.Database): void {
  const immediate = (fn: () => void): void => db.transaction(fn).immediate();
  immediate(() =>
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations ' +
        '(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
    ),
  );
  for (const migration of migrations) {
    // Checked inside the write transaction, so two processes opening a new file apply each migration once.
    immediate(() => {
      if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version)) return;
      db.exec(migration.sqlite);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    });
  }
}

class SqliteConnectorRepository implements ConnectorRepository {
  private readonly statements;
  // Read transactions built once: db.transaction() wraps a function anew on every call (hot path).
  private readonly readTenant: Database.Transaction<(tenantId: string) => TenantSnapshot>;
  private readonly readConnector: Database.Transaction<(tenantId: string, id: string) => ConnectorRow | undefined>;

  private readonly generations = new GenerationReads(async (tenantIds) => {
    const found = new Map<string, number>();
    for (const tenantId of tenantIds) {
      const generation = this.statements.generation.get(tenantId) as number | undefined;
      if (generation !== undefined) found.set(tenantId, generation);
    }
    return found;
  });

  constructor(private readonly db: Database.Database) {
    this.statements = {
      connector: db.prepare(`SELECT ${CONNECTOR_COLUMNS} FROM connectors WHERE tenant_id = ? AND id = ?`).raw(),
      connectorsOfTenant: db
        .prepare(`SELECT ${CONNECTOR_COLUMNS} FROM connectors WHERE tenant_id = ? ORDER BY created_at, id`)
        .raw(),
      certificatesOfConnector: db
        .prepare(
          `SELECT ${CERTIFICATE_COLUMNS} FROM certificates WHERE tenant_id = ? AND connector_id = ? ORDER BY seq`,
        )
        .raw(),
      certificatesOfTenant: db
        .prepare(`SELECT ${CERTIFICATE_COLUMNS} FROM certificates WHERE tenant_id = ? ORDER BY connector_id, seq`)
        .raw(),
      ensureTenant: db.prepare(
        'INSERT INTO tenants (tenant_id, created_at) VALUES (?, ?) ON CONFLICT (tenant_id) DO NOTHING',
      ),
      generation: db.prepare('SELECT generation FROM tenants WHERE tenant_id = ?').pluck(),
      countConnectors: db.prepare('SELECT count(*) AS n FROM connectors WHERE tenant_id = ?').pluck(),
      insertConnector: db.prepare(
        `INSERT INTO connectors (tenant_id, id, display_name, target_url, auth_kind, basic_username,
           basic_sealed_password, last_cert_seq, created_at, updated_at)
         VALUES (@tenant_id, @id, @display_name, @target_url, @auth_kind, @basic_username,
           @basic_sealed_password, @last_cert_seq, @now, @now)`,
      ),
      insertCertificate: db.prepare(
        `INSERT INTO certificates (tenant_id, connector_id, seq, thumbprint, not_before, not_after, sealed_key,
           uploaded_at)
         VALUES (@tenant_id, @connector_id, @seq, @thumbprint, @not_before, @not_after, @sealed_key, @uploaded_at)`,
      ),
      // Claims the next seq and switches to certificate auth in one statement, under the write lock.
      claimNextSeq: db
        .prepare(
          `UPDATE connectors SET last_cert_seq = last_cert_seq + 1, auth_kind = 'certificate',
             basic_username = NULL, basic_sealed_password = NULL, updated_at = ?
           WHERE tenant_id = ? AND id = ? RETURNING last_cert_seq`,
        )
        .pluck(),
      deleteCertificates: db.prepare('DELETE FROM certificates WHERE tenant_id = ? AND connector_id = ?'),
      deleteConnector: db.prepare('DELETE FROM connectors WHERE tenant_id = ? AND id = ?'),
      appliedVersions: db.prepare('SELECT version FROM schema_migrations').pluck(),
    };
    this.readTenant = db.transaction((tenantId: string) => {
      const records = this.statements.connectorsOfTenant.all(tenantId) as ConnectorTuple[];
      const byConnector = new Map<string, StoredCertificateRow[]>();
      for (const cert of this.statements.certificatesOfTenant.all(tenantId) as CertificateTuple[]) {
        const list = byConnector.get(cert[0]);
        if (list) list.push(fromCertificateTuple(cert));
        else byConnector.set(cert[0], [fromCertificateTuple(cert)]);
      }
      const generation = this.statements.generation.get(tenantId) as number | undefined;
      return {
        generation,
        rows: records.map((record) =>
          toConnectorRow(fromConnectorTuple(tenantId, record), byConnector.get(record[0]) ?? []),
        ),
      };
    });
    this.readConnector = db.transaction((tenantId: string, id: string) => this.readRow(tenantId, id));
  }

  async list(tenantId: string): Promise<ConnectorRow[]> {
    return this.readTenant.deferred(tenantId).rows;
  }

  async listSnapshot(tenantId: string): Promise<TenantSnapshot> {
    // One read transaction = one snapshot across the queries, even with writers in other processes.
    return this.readTenant.deferred(tenantId);
  }

  async generation(tenantId: string): Promise<number | undefined> {
    return this.generations.read(tenantId); // coalesced per turn of the event loop (generation-reads.ts)
  }

  async get(tenantId: string, id: string): Promise<ConnectorRow | undefined> {
    return this.readConnector.deferred(tenantId, id);
  }

  async create(connector: NewConnector, maxPerTenant: number): Promise<CreateResult> {
    return this.db
      .transaction((): CreateResult => {
        const { tenantId, id, now } = connector;
        if (this.statements.connector.get(tenantId, id)) return { ok: false, reason: 'conflict' };
        if ((this.statements.countConnectors.get(tenantId) as number) >= maxPerTenant) {
          return { ok: false, reason: 'limit' };
        }
        this.statements.ensureTenant.run(tenantId, now);
        const certificates = newCertificates(connector.auth);
        this.statements.insertConnector.run({
          tenant_id: tenantId,
          id,
          display_name: connector.displayName,
          target_url: connector.targetUrl,
          ...authColumns(connector.auth),
          last_cert_seq: certificates.length,
          now,
        });
        certificates.forEach((cert, index) => this.insertCertificate(tenantId, id, cert, index + 1, now));
        return { ok: true, row: this.mustReadRow(tenantId, id) };
      })
      .immediate();
  }

  async update(tenantId: string, id: string, patch: ConnectorPatch, now: number): Promise<ConnectorRow | undefined> {
    return this.db
      .transaction(() => {
        const replacements = patch.auth ? newCertificates(patch.auth) : [];
        const assignments = patchAssignments(patch, now);
        const setClause = assignments.map(([column]) => `${column} = ?`).join(', ');
        const lastSeq = this.db
          .prepare(
            `UPDATE connectors SET ${setClause}, last_cert_seq = last_cert_seq + ?
             WHERE tenant_id = ? AND id = ? RETURNING last_cert_seq`,
          )
          .pluck()
          .get(...assignments.map(([, value]) => value), replacements.length, tenantId, id) as number | undefined;
        if (lastSeq === undefined) return undefined;
        if (patch.auth) {
          // The new list continues the connector's seq counter; seqs are never reused within a connector.
          this.statements.deleteCertificates.run(tenantId, id);
          const firstSeq = lastSeq - replacements.length + 1;
          replacements.forEach((cert, index) => this.insertCertificate(tenantId, id, cert, firstSeq + index, now));
        }
        return this.mustReadRow(tenantId, id);
      })
      .immediate();
  }

  async appendCertificate(
    tenantId: string,
    id: string,
    cert: StoredCertificate,
    now: number,
  ): Promise<ConnectorRow | undefined> {
    try {
      return this.db
        .transaction(() => {
          const seq = this.statements.claimNextSeq.get(now, tenantId, id) as number | undefined;
          if (seq === undefined) return undefined;
          this.insertCertificate(tenantId, id, cert, seq, now);
          return this.mustReadRow(tenantId, id);
        })
        .immediate();
    } catch (error) {
      // The transaction rolled back; the unique index (tenant, connector, thumbprint) refused a re-upload.
      const { code, message } = error as { code?: string; message?: string };
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' && message?.includes('thumbprint')) {
        throw new DuplicateCertificateError(cert.thumbprint);
      }
      throw error;
    }
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    // Certificates go with it: ON DELETE CASCADE (foreign_keys is on for this connection).
    return this.db.transaction(() => this.statements.deleteConnector.run(tenantId, id).changes > 0).immediate();
  }

  async ping(): Promise<void> {
    const applied = new Set(this.statements.appliedVersions.all() as number[]);
    const missing = migrations.filter((m) => !applied.has(m.version)).map((m) => m.version);
    if (missing.length > 0) throw new Error(`database migrations not applied: ${missing.join(', ')}`);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private insertCertificate(tenantId: string, id: string, cert: StoredCertificate, seq: number, now: number): void {
    this.statements.insertCertificate.run({
      tenant_id: tenantId,
      connector_id: id,
      seq,
      thumbprint: cert.thumbprint,
      not_before: cert.notBefore,
      not_after: cert.notAfter,
      sealed_key: cert.sealedKey,
      uploaded_at: now,
    });
  }

  private readRow(tenantId: string, id: string): ConnectorRow | undefined {
    const record = this.statements.connector.get(tenantId, id) as ConnectorTuple | undefined;
    if (!record) return undefined;
    const certs = this.statements.certificatesOfConnector.all(tenantId, id) as CertificateTuple[];
    return toConnectorRow(fromConnectorTuple(tenantId, record), certs.map(fromCertificateTuple));
  }

  private mustReadRow(tenantId: string, id: string): ConnectorRow {
    const row = this.readRow(tenantId, id);
    if (!row) throw new Error(`connector ${id} vanished inside its own transaction`);
    return row;
  }
}

function fromConnectorTuple(tenantId: string, tuple: ConnectorTuple): ConnectorRecord {
  const [id, display_name, target_url, auth_kind, basic_username, basic_sealed_password, created_at, updated_at] =
    tuple;
  return {
    tenant_id: tenantId,
    id,
    display_name,
    target_url,
    auth_kind,
    basic_username,
    basic_sealed_password,
    created_at,
    updated_at,
  };
}

function fromCertificateTuple([
  ,
  seq,
  thumbprint,
  notBefore,
  notAfter,
  uploadedAt,
]: CertificateTuple): StoredCertificateRow {
  return certificateRow({ thumbprint, notBefore, notAfter }, seq, uploadedAt);
}
