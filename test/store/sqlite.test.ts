import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { openStore, SQLITE_FILE_NAME } from '../../src/store/index.js';
import { cert, runRepositoryContract } from './contract.js';

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
    sealedKeys: async (tenantId: string, connectorId: string) =>
      withRawDb(
        (db) =>
          db
            .prepare('SELECT sealed_key FROM certificates WHERE tenant_id = ? AND connector_id = ? ORDER BY seq')
            .pluck()
            .all(tenantId, connectorId) as string[],
      ),
    forgetMigration: async () =>
      void withRawDb((db) => db.prepare('DELETE FROM schema_migrations WHERE version = 1').run()),
    destroy: () => rm(dataDir, { recursive: true, force: true }),
  };
}

runRepositoryContract('sqlite', makeSqliteStore);

const childScript = fileURLToPath(new URL('./sqlite-child.ts', import.meta.url));

/** Starts three child processes, releases them together once all are ready, and collects their outcomes. */
async function runChildren(mode: 'create' | 'append', dataDir: string): Promise<string[]> {
  const children = [1, 2, 3].map((index) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, mode, dataDir, String(index)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const exited = once(child, 'exit');
    return { child, lines, exited };
  });
  for (const { lines } of children) assert.equal((await lines.next()).value, 'ready');
  for (const { child } of children) child.stdin.end('go\n');
  const outcomes: string[] = [];
  for (const { lines, exited } of children) {
    const result = await lines.next();
    assert.deepEqual(await exited, [0, null], 'child exited cleanly');
    outcomes.push(...(JSON.parse(String(result.value)) as string[]));
  }
  return outcomes;
}

describe('SQLite across processes (three processes, one file)', () => {
  test('processes racing through migrations and creates never exceed the limit; 300 appends all land once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'store-sqlite-procs-'));
    try {
      const created = await runChildren('create', dataDir);
      assert.equal(created.filter((o) => o === 'ok').length, 20);
      assert.equal(created.filter((o) => o === 'limit').length, 40);

      const repo = await openStore({ dataDir });
      try {
        assert.equal((await repo.list('t')).length, 20);
        await repo.delete('t', (await repo.list('t'))[0]!.id);
        await repo.create(
          {
            tenantId: 't',
            id: 'shared',
            displayName: 'd',
            targetUrl: 'https://x.test',
            auth: { kind: 'basic', username: 'u', sealedPassword: 'p' },
            now: 1,
          },
          20,
        );
        const appended = await runChildren('append', dataDir);
        assert.deepEqual(new Set(appended), new Set(['ok']));
        assert.equal(appended.length, 300);
        const row = await repo.get('t', 'shared');
        const certs = row?.auth.kind === 'certificate' ? row.auth.certificates : [];
        assert.deepEqual(
          certs.map((c) => c.seq),
          Array.from({ length: 300 }, (_, i) => i + 1),
        );
        const expected = [1, 2, 3].flatMap((child) =>
          Array.from({ length: 100 }, (_, i) => cert(child * 1000 + i).thumbprint),
        );
        assert.deepEqual(new Set(certs.map((c) => c.thumbprint)), new Set(expected));
      } finally {
        await repo.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('SQLite specifics', () => {
  test('openStore creates the data dir and a private database file in WAL mode with foreign keys', async () => {
    const root = await mkdtemp(join(tmpdir(), 'store-sqlite-file-'));
    const dataDir = join(root, 'data');
    try {
      const repo = await openStore({ dataDir });
      await repo.close();
      const file = join(dataDir, SQLITE_FILE_NAME);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
      const db = new Database(file, { readonly: true });
      try {
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        const fks = db
          .prepare(`SELECT "table", "from", "on_delete" FROM pragma_foreign_key_list('certificates')`)
          .all();
        assert.deepEqual(
          new Set(fks),
          new Set([
            { table: 'connectors', from: 'tenant_id', on_delete: 'CASCADE' },
            { table: 'connectors', from: 'connector_id', on_delete: 'CASCADE' },
          ]),
        );
      } finally {
        db.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('sqliteFile overrides the default location', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'store-sqlite-custom-'));
    try {
      const repo = await openStore({ dataDir, sqliteFile: join(dataDir, 'custom.db') });
      await repo.ping();
      await repo.close();
      await stat(join(dataDir, 'custom.db'));
      await assert.rejects(stat(join(dataDir, SQLITE_FILE_NAME)), { code: 'ENOENT' });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
