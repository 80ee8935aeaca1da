// PostgreSQL statements shared by the repository and its migrations: transactions, certificate inserts, and reads.
//
// Reads return one joined row per certificate (a single statement, so one consistent snapshot). Reads made while
// holding a connector's row lock skip the sealed keys the caller already has: a sealed key is ~3 KB and never changes
// after insert, so re-reading every key of a connector under the lock would serialise concurrent uploads behind
// O(certificates) bytes each (measured: ~50 ms per upload at 300 certificates, enough to hit statement_timeout).
import type pg from 'pg';
import type { ConnectorRow, StoredCertificate, StoredCertificateRow } from './repository.js';
import { certificateRow, toConnectorRow, type ConnectorRecord } from './rows.js';

export type Queryable = Pick<pg.PoolClient, 'query'>;

/** The client could not roll back (e.g. its connection dropped): it must be discarded, not returned to the pool. */
export class RollbackFailed extends Error {
  constructor(readonly original: unknown) {
    super('ROLLBACK failed');
  }
}

/** BEGIN … COMMIT; on any error ROLLBACK and rethrow (as RollbackFailed when the ROLLBACK itself fails). */
export async function inTransaction<T>(client: Queryable, work: () => Promise<T>): Promise<T> {
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

/** One statement for any number of certificates (unnest), seqs firstSeq, firstSeq+1, … in list order. */
export async function insertCertificates(
  client: Queryable,
  tenantId: string,
  id: string,
  certificates: StoredCertificate[],
  firstSeq: number,
  now: number,
): Promise<void> {
  if (certificates.length === 0) return;
  await client.query(
    `INSERT INTO certificates (tenant_id, connector_id, seq, thumbprint, not_before, not_after, sealed_key, uploaded_at)
     SELECT $1, $2, $3::bigint + ordinality - 1, thumbprint, not_before, not_after, sealed_key, $8
     FROM unnest($4::text[], $5::bigint[], $6::bigint[], $7::text[])
       WITH ORDINALITY AS t (thumbprint, not_before, not_after, sealed_key, ordinality)`,
    [
      tenantId,
      id,
      firstSeq,
      certificates.map((c) => c.thumbprint),
      certificates.map((c) => c.notBefore),
      certificates.map((c) => c.notAfter),
      certificates.map((c) => c.sealedKey),
      now,
    ],
  );
}

interface JoinedRecord extends ConnectorRecord {
  seq: number | null;
  thumbprint: string | null;
  not_before: number | null;
  not_after: number | null;
  sealed_key: string | null;
  uploaded_at: number | null;
}

const JOINED_SELECT = `
  SELECT c.tenant_id, c.id, c.display_name, c.target_url, c.auth_kind, c.basic_username, c.basic_sealed_password,
         c.created_at, c.updated_at, k.seq, k.thumbprint, k.not_before, k.not_after, k.uploaded_at,
         CASE WHEN k.seq = ANY ($2::bigint[]) THEN NULL ELSE k.sealed_key END AS sealed_key
  FROM connectors c
  LEFT JOIN certificates k ON k.tenant_id = c.tenant_id AND k.connector_id = c.id`;

/** All connectors of a tenant in creation order, or the one with `id`. */
export async function readConnectors(
  db: Queryable,
  tenantId: string,
  id?: string,
  knownSealedKeys: ReadonlyMap<number, string> = new Map(),
): Promise<ConnectorRow[]> {
  const known = [...knownSealedKeys.keys()];
  const result =
    id === undefined
      ? await db.query<JoinedRecord>(`${JOINED_SELECT} WHERE c.tenant_id = $1 ORDER BY c.created_at, c.id, k.seq`, [
          tenantId,
          known,
        ])
      : await db.query<JoinedRecord>(`${JOINED_SELECT} WHERE c.tenant_id = $1 AND c.id = $3 ORDER BY k.seq`, [
          tenantId,
          known,
          id,
        ]);
  const rows: ConnectorRow[] = [];
  let current: { record: JoinedRecord; certificates: StoredCertificateRow[] } | undefined;
  const flush = () => current && rows.push(toConnectorRow(current.record, current.certificates));
  for (const record of result.rows) {
    if (!current || current.record.id !== record.id) {
      flush();
      current = { record, certificates: [] };
    }
    if (record.seq === null) continue; // LEFT JOIN: a connector without certificates
    const { seq, thumbprint, not_before: notBefore, not_after: notAfter, uploaded_at: uploadedAt } = record;
    const sealedKey = record.sealed_key ?? knownSealedKeys.get(seq);
    if (thumbprint === null || notBefore === null || notAfter === null || uploadedAt === null || !sealedKey) {
      throw new Error(`certificate ${seq} of connector ${record.id} is incomplete`);
    }
    current.certificates.push(certificateRow({ thumbprint, notBefore, notAfter, sealedKey }, seq, uploadedAt));
  }
  flush();
  return rows;
}

export async function readOneConnector(
  db: Queryable,
  tenantId: string,
  id: string,
  knownSealedKeys?: ReadonlyMap<number, string>,
): Promise<ConnectorRow | undefined> {
  return (await readConnectors(db, tenantId, id, knownSealedKeys))[0];
}

/** Sealed keys already stored for a connector, read without taking any lock (they never change once written). */
export async function prefetchSealedKeys(db: Queryable, tenantId: string, id: string): Promise<Map<number, string>> {
  const result = await db.query<{ seq: number; sealed_key: string }>(
    'SELECT seq, sealed_key FROM certificates WHERE tenant_id = $1 AND connector_id = $2',
    [tenantId, id],
  );
  return new Map(result.rows.map((row) => [row.seq, row.sealed_key]));
}
