import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.js';
import { runRepositoryContract } from './contract.js';

async function makeSqliteStore() {
  const dataDir = await mkdtemp(join(tmpdir(), 'store-sqlite-'));
  const file = join(dataDir, 'api-connectors.db');
  const withRawDb = <T>(work: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    open: () => openStore({ dataDir }),
    countCertificateRows: async (tenantId: string, connectorId: string) =>
      withRawDb(
        (db) =>
          db
            .prepare('SELECT count(*) FROM certificates WHERE tenant_id = ? AND connector_id = ?')
            .pluck()
            .get(tenantId, connectorId) as number,
      ),
    forgetMigration: async () => void withRawDb((db) => db.prepare('DELETE FROM schema_migrations WHERE version = 1').run()),
    destroy: () => rm(dataDir, { recursive: true, force: true }),
  };
}

runRepositoryContract('sqlite', makeSqliteStore);
