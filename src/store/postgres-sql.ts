// PostgreSQL plumbing: calling the functions of migration 002 and turning their `connector_row` results into
// ConnectorRows.
import type pg from 'pg';
import type { ConnectorRow, StoredCertificate, StoredCertificateRow } from './repository.js';
import { certificateRow, toConnectorRow, type ConnectorRecord } from './rows.js';

export type Queryable = Pick<pg.PoolClient, 'query'>;

/** A `connector_row` (migration 002): connector columns, plus one certificate's columns or NULLs. */
interface JoinedRecord extends ConnectorRecord {
  seq: number | null;
  thumbprint: string | null;
  not_before: number | null;
  not_after: number | null;
  sealed_key: string | null;
  uploaded_at: number | null;
}

/** Runs a query returning `connector_row`s (`sql` must select from one of the migration-002 functions). */
export async function queryConnectors(db: Queryable, sql: string, params: unknown[]): Promise<ConnectorRow[]> {
  // The functions order their rows; ordering again here keeps that guarantee explicit for the grouping below.
  const result = await db.query<JoinedRecord>(`SELECT * FROM ${sql} AS r ORDER BY r.created_at, r.id, r.seq`, params);
  const rows: ConnectorRow[] = [];
  let current: { record: JoinedRecord; certificates: StoredCertificateRow[] } | undefined;
  const flush = () => current && rows.push(toConnectorRow(current.record, current.certificates));
  for (const record of result.rows) {
    if (!current || current.record.id !== record.id) {
      flush();
      current = { record, certificates: [] };
    }
    if (record.seq === null) continue; // LEFT JOIN: a connector without certificates
    const { seq, thumbprint, not_before: notBefore, not_after: notAfter, sealed_key: sealedKey } = record;
    if (thumbprint === null || notBefore === null || notAfter === null || sealedKey === null) {
      throw new Error(`certificate ${seq} of connector ${record.id} is incomplete`);
    }
    current.certificates.push(
      certificateRow({ thumbprint, notBefore, notAfter, sealedKey }, seq, record.uploaded_at ?? 0),
    );
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
