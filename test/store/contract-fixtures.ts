// Shared pieces of the repository contract suite: the store-under-test interface, sample data, and the per-test
// database lifecycle.
import assert from 'node:assert/strict';
import type { ConnectorRepository, StoredCertificate, StoredCertificateRow } from '../../src/store/repository.js';

export interface StoreUnderTest {
  /** Opens one more repository instance (its own connection or pool) on the same database. */
  open(): Promise<ConnectorRepository>;
  /** Certificate rows stored for a connector, read directly from the table (to see cascades). */
  countCertificateRows(tenantId: string, connectorId: string): Promise<number>;
  /** The sealed keys stored for a connector, in seq order, read directly from the table (reads never return them). */
  sealedKeys(tenantId: string, connectorId: string): Promise<string[]>;
  /** Deletes the bookkeeping row of migration 1, as if migrations had not completed. */
  forgetMigration(): Promise<void>;
  /** Removes the database (schema or directory). */
  destroy(): Promise<void>;
}

export const cert = (n: number, overrides: Partial<StoredCertificate> = {}): StoredCertificate => ({
  thumbprint: n.toString(16).toUpperCase().padStart(40, '0'),
  notBefore: 1_700_000_000 + n,
  notAfter: 1_800_000_000 + n,
  sealedKey: `v1.sealed.key.${n}`,
  ...overrides,
});

/** What a read returns for a stored certificate: its facts, seq and upload time, never the sealed key. */
export const stored = (c: StoredCertificate, seq: number, uploadedAt: number): StoredCertificateRow => ({
  thumbprint: c.thumbprint,
  notBefore: c.notBefore,
  notAfter: c.notAfter,
  seq,
  uploadedAt,
});

export const basic = (username = 'user') => ({
  kind: 'basic' as const,
  username,
  sealedPassword: `v1.sealed.pw.${username}`,
});
export const NOW = 1_735_000_000_000;

export type WithStore = (
  work: (open: () => Promise<ConnectorRepository>, store: StoreUnderTest) => Promise<void>,
) => Promise<void>;

/** A fresh database per test; every instance opened through `open` is closed afterwards, then the database removed. */
export function withStoreFrom(makeStore: () => Promise<StoreUnderTest>): WithStore {
  return async (work) => {
    const store = await makeStore();
    const opened: ConnectorRepository[] = [];
    const open = async () => {
      const repo = await store.open();
      opened.push(repo);
      return repo;
    };
    try {
      await work(open, store);
    } finally {
      await Promise.all(opened.map((repo) => repo.close()));
      await store.destroy();
    }
  };
}

export async function createBasic(repo: ConnectorRepository, tenantId: string, id: string, now = NOW) {
  const result = await repo.create(
    { tenantId, id, displayName: `name ${id}`, targetUrl: `https://example.com/${id}`, auth: basic(), now },
    20,
  );
  assert.ok(result.ok, `create ${id}`);
  return result.row;
}
