// The one persistence contract. SQLite (embedded default) and PostgreSQL implement it; the whole
// end-to-end suite runs against both. Secrets arrive already sealed (src/secrets); the store never sees plaintext.

export interface StoredCertificate {
  thumbprint: string;
  /** Unix seconds; may exceed 2^31 (store as 64-bit). */
  notBefore: number;
  notAfter: number;
  /** Sealed JSON { keyPkcs8: base64, chain: base64[] } (leaf first). */
  sealedKey: string;
}

/**
 * A certificate as the store returns it: the facts, without the sealed key. No read needs key material (only an
 * outbound call would, through a method of its own), and leaving it out keeps secrets off the read path and makes
 * reads cheaper (a sealed key is ~2.5-4 KB; a list of 20 connectors read 20 of them).
 */
export interface StoredCertificateRow extends Omit<StoredCertificate, 'sealedKey'> {
  /** Upload order within the connector, strictly increasing; the store assigns it. */
  seq: number;
  /** Milliseconds since epoch, from the service clock. */
  uploadedAt: number;
}

export type StoredAuth =
  | { kind: 'basic'; username: string; sealedPassword: string }
  | { kind: 'certificate'; certificates: StoredCertificate[] };

export type StoredAuthRow =
  | { kind: 'basic'; username: string; sealedPassword: string }
  | { kind: 'certificate'; certificates: StoredCertificateRow[] };

export interface ConnectorRow {
  tenantId: string;
  id: string;
  displayName: string;
  targetUrl: string;
  /** Certificates come back in upload order (seq ascending). */
  auth: StoredAuthRow;
  createdAt: number;
  updatedAt: number;
}

export interface NewConnector {
  tenantId: string;
  id: string;
  displayName: string;
  targetUrl: string;
  auth: StoredAuth;
  /** Milliseconds since epoch, from the service clock. */
  now: number;
}

export interface ConnectorPatch {
  displayName?: string;
  targetUrl?: string;
  /** Replaces the whole authentication configuration (certificate list included). */
  auth?: StoredAuth;
}

export type CreateResult = { ok: true; row: ConnectorRow } | { ok: false; reason: 'limit' | 'conflict' };

/** appendCertificate: the connector already holds a certificate with this thumbprint (nothing was written). */
export class DuplicateCertificateError extends Error {
  constructor(readonly thumbprint: string) {
    super(`certificate ${thumbprint} is already in the connector's list`);
    this.name = 'DuplicateCertificateError';
  }
}

/** The name of the unique index behind DuplicateCertificateError (migration 003). */
export const UNIQUE_THUMBPRINT_INDEX = 'certificates_unique_thumbprint';

/**
 * A tenant's rows and the tenant generation they were read at, from one snapshot. Every write to the tenant's
 * connectors or certificates increases the generation in its own transaction (migration 004), so equal generations
 * mean equal rows. `undefined`: the store could not tell (e.g. the tenant has no row yet); do not cache.
 */
export interface TenantSnapshot {
  generation: number | undefined;
  rows: ConnectorRow[];
}

export interface ConnectorRepository {
  list(tenantId: string): Promise<ConnectorRow[]>;
  /** list() with the generation of the same snapshot. */
  listSnapshot(tenantId: string): Promise<TenantSnapshot>;
  /**
   * The tenant's current generation; undefined for a tenant the store has never seen. Read after the call (never an
   * answer from before it), possibly together with other calls of the same turn of the event loop (generation-reads.ts).
   */
  generation(tenantId: string): Promise<number | undefined>;
  get(tenantId: string, id: string): Promise<ConnectorRow | undefined>;
  /**
   * Insert atomically unless the tenant already has `maxPerTenant` connectors ('limit') or the id exists
   * ('conflict'). Must hold under concurrency, across processes.
   */
  create(connector: NewConnector, maxPerTenant: number): Promise<CreateResult>;
  /** Apply a partial update in one transaction; returns the updated row, or undefined when not found. */
  update(tenantId: string, id: string, patch: ConnectorPatch, now: number): Promise<ConnectorRow | undefined>;
  /**
   * Append one certificate in one transaction. A basic-auth connector switches to certificate auth
   * (its basic credentials are dropped). Returns the row after the append, or undefined when not found.
   * Serialises with `update` on the same connector (row lock), so a racing PATCH and upload end in a serial order.
   * Throws DuplicateCertificateError when the thumbprint is already in the list.
   */
  appendCertificate(
    tenantId: string,
    id: string,
    cert: StoredCertificate,
    now: number,
  ): Promise<ConnectorRow | undefined>;
  delete(tenantId: string, id: string): Promise<boolean>;
  /** Throws when the store is unreachable or migrations have not completed. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
