// Mapping between table records and the repository's row types, shared by the SQLite and PostgreSQL stores so both
// return identical shapes.
import type {
  ConnectorPatch,
  ConnectorRow,
  StoredAuth,
  StoredAuthRow,
  StoredCertificate,
  StoredCertificateRow,
} from './repository.js';

/** A `connectors` record as both drivers return it (64-bit integers already converted to number). */
export interface ConnectorRecord {
  tenant_id: string;
  id: string;
  display_name: string;
  target_url: string;
  auth_kind: string;
  basic_username: string | null;
  basic_sealed_password: string | null;
  created_at: number;
  updated_at: number;
}

/** Column values that encode a StoredAuth on the connectors table. */
export interface AuthColumns {
  auth_kind: 'basic' | 'certificate';
  basic_username: string | null;
  basic_sealed_password: string | null;
}

export function authColumns(auth: StoredAuth): AuthColumns {
  return auth.kind === 'basic'
    ? { auth_kind: 'basic', basic_username: auth.username, basic_sealed_password: auth.sealedPassword }
    : { auth_kind: 'certificate', basic_username: null, basic_sealed_password: null };
}

export function newCertificates(auth: StoredAuth): StoredCertificate[] {
  return auth.kind === 'certificate' ? auth.certificates : [];
}

/** `certificates` must already be in seq order. */
export function toConnectorRow(record: ConnectorRecord, certificates: StoredCertificateRow[]): ConnectorRow {
  let auth: StoredAuthRow;
  if (record.auth_kind === 'basic') {
    if (record.basic_username === null || record.basic_sealed_password === null) {
      throw new Error(`connector ${record.id}: basic auth row without credentials`);
    }
    auth = { kind: 'basic', username: record.basic_username, sealedPassword: record.basic_sealed_password };
  } else if (record.auth_kind === 'certificate') {
    auth = { kind: 'certificate', certificates };
  } else {
    throw new Error(`connector ${record.id}: unknown auth_kind in the database`);
  }
  // One literal, no spread: this runs for every row of every read.
  return {
    tenantId: record.tenant_id,
    id: record.id,
    displayName: record.display_name,
    targetUrl: record.target_url,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
    auth,
  };
}

/** Explicit property order keeps rows from both stores deepEqual-comparable and log-friendly. */
export function certificateRow(
  cert: Pick<StoredCertificate, 'thumbprint' | 'notBefore' | 'notAfter'>,
  seq: number,
  uploadedAt: number,
): StoredCertificateRow {
  return {
    thumbprint: cert.thumbprint,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    seq,
    uploadedAt,
  };
}

export type ColumnValue = string | number | null;

/**
 * Column assignments for an update, from a fixed list of column names (never from input), so both stores can build
 * their parameterised UPDATE from it. `updated_at` is always set: a PATCH is a write even when nothing changes.
 */
export function patchAssignments(patch: ConnectorPatch, now: number): Array<[column: string, value: ColumnValue]> {
  const assignments: Array<[string, ColumnValue]> = [];
  if (patch.displayName !== undefined) assignments.push(['display_name', patch.displayName]);
  if (patch.targetUrl !== undefined) assignments.push(['target_url', patch.targetUrl]);
  if (patch.auth !== undefined) {
    const auth = authColumns(patch.auth);
    assignments.push(['auth_kind', auth.auth_kind]);
    assignments.push(['basic_username', auth.basic_username]);
    assignments.push(['basic_sealed_password', auth.basic_sealed_password]);
  }
  assignments.push(['updated_at', now]);
  return assignments;
}
