// PostgreSQL plumbing: calling the functions of migration 002, the read statements, and turning their
// `connector_row`-shaped results into ConnectorRows.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { ConnectorRow, StoredCertificate, StoredCertificateRow, TenantSnapshot } from './repository.js';
import { certificateRow, toConnectorRow, type ConnectorRecord } from './rows.js';

export type Queryable = Pick<pg.PoolClient, 'query'>;

/** A `connector_row` (migration 002): connector columns, plus one certificate's columns or NULLs. */
interface JoinedRecord extends ConnectorRecord {
  seq: number | null;
  thumbprint: string | null;
  not_before: number | null;
  not_after: number | null;
  /** Present in the functions' rows, absent from the read statements; never returned to callers. */
  sealed_key?: string | null;
  uploaded_at: number | null;
  /** Tenant reads only: the tenant's generation (migration 004), the same on every record. */
  generation?: number | null;
}

// The reads are named prepared statements: PostgreSQL parses and plans them once per pooled connection instead of on
// every call (a GET went from ~0.4 ms to ~0.17 ms of database time; docs/performance.md). The name is derived from
// the text, so one name always means one text on a connection. The writes stay unnamed: they select `*` from a
// function's row type, and a prepared statement would fail if a later migration changed that type under it.
const statementNames = new Map<string, string>();
function named(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `ac_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

/** Runs a query returning `connector_row`s (`sql` must select from one of the migration-002 functions). */
export async function queryConnectors(db: Queryable, sql: string, params: unknown[]): Promise<ConnectorRow[]> {
  // The functions order their rows; ordering again here keeps that guarantee explicit for the grouping below.
  const text = `SELECT * FROM ${sql} AS r ORDER BY r.created_at, r.id, r.seq`;
  return groupConnectorRows((await db.query<JoinedRecord>(text, params)).rows);
}

// The query of connector_rows (migration 002), run as a plain statement for the reads: a SQL function with its own
// search_path cannot be inlined, and calling it cost ~2.5x the statement itself. One statement is one snapshot.
const READ = `SELECT c.tenant_id, c.id, c.display_name, c.target_url, c.auth_kind, c.basic_username,
    c.basic_sealed_password, c.created_at, c.updated_at, k.seq, k.thumbprint, k.not_before, k.not_after,
    k.uploaded_at
  FROM connectors c
  LEFT JOIN certificates k ON k.tenant_id = c.tenant_id AND k.connector_id = c.id`;
// The generation is an uncorrelated subquery: evaluated once, in the statement's snapshot, like the rows.
const READ_TENANT = `SELECT r.*, (SELECT t.generation FROM tenants t WHERE t.tenant_id = $1) AS generation
  FROM (${READ} WHERE c.tenant_id = $1) r ORDER BY r.created_at, r.id, r.seq`;
const READ_GENERATIONS = 'SELECT tenant_id, generation FROM tenants WHERE tenant_id = ANY($1::text[])';
const READ_CONNECTOR = `${READ} WHERE c.tenant_id = $1 AND c.id = $2 ORDER BY k.seq`;

/** One connector (or none), certificates in seq order. */
export async function readConnector(db: Queryable, tenantId: string, id: string): Promise<ConnectorRow | undefined> {
  return groupConnectorRows((await db.query<JoinedRecord>(named(READ_CONNECTOR, [tenantId, id]))).rows)[0];
}

/**
 * The tenant's connectors, certificates in seq order, with the generation. A tenant without connectors returns no
 * record to carry the generation: its snapshot has none (not cacheable, and cheap to read again anyway).
 */
export async function readTenant(db: Queryable, tenantId: string): Promise<TenantSnapshot> {
  const records = (await db.query<JoinedRecord>(named(READ_TENANT, [tenantId]))).rows;
  return { generation: records[0]?.generation ?? undefined, rows: groupConnectorRows(records) };
}

/** The generations of some tenants in one statement (tenants without a row are absent). */
export async function readGenerations(db: Queryable, tenantIds: string[]): Promise<Map<string, number>> {
  const result = await db.query<{ tenant_id: string; generation: number }>(named(READ_GENERATIONS, [tenantIds]));
  return new Map(result.rows.map((row) => [row.tenant_id, row.generation]));
}

/** Folds joined records (ordered by connector, then seq) into ConnectorRows. */
function groupConnectorRows(records: JoinedRecord[]): ConnectorRow[] {
  const rows: ConnectorRow[] = [];
  let current: { record: JoinedRecord; certificates: StoredCertificateRow[] } | undefined;
  const flush = () => current && rows.push(toConnectorRow(current.record, current.certificates));
  for (const record of records) {
    if (!current || current.record.id !== record.id) {
      flush();
      current = { record, certificates: [] };
    }
    if (record.seq === null) continue; // LEFT JOIN: a connector without certificates
    const { seq, thumbprint, not_before: notBefore, not_after: notAfter } = record;
    if (thumbprint === null || notBefore === null || notAfter === null) {
      throw new Error(`certificate ${seq} of connector ${record.id} is incomplete`);
    }
    current.certificates.push(certificateRow({ thumbprint, notBefore, notAfter }, seq, record.uploaded_at ?? 0));
  }
  flush();
  return rows;
}

/** Parameter arrays for the functions' (p_thumbprints, p_not_befores, p_not_afters, p_sealed_keys). */
export function certificateArrays(certificates: StoredCertificate[]): [string[], number[], number[], string[]] {
  return [
    certificates.map((c) => c.thumbprint),
    certificates.map((c) => c.notBefore),
    certificates.map((c) => c.notAfter),
    certificates.map((c) => c.sealedKey),
  ];
}
