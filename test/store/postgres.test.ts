import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { migrations, openStore } from '../../src/store/index.js';
import { runRepositoryContract, cert } from './contract.js';
import { freshPgSchema, queryInSchema, TEST_DATABASE_URL } from './pg-test-db.js';

async function makePostgresStore() {
  const { databaseUrl, schema, drop } = await freshPgSchema();
  return {
    open: () => openStore({ databaseUrl, dataDir: '/nonexistent/unused', poolSize: 10, statementTimeoutMs: 5000 }),
    countCertificateRows: async (tenantId: string, connectorId: string) => {
      const rows = await queryInSchema<{ n: string }>(
        schema,
        'SELECT count(*) AS n FROM certificates WHERE tenant_id = $1 AND connector_id = $2',
        [tenantId, connectorId],
      );
      return Number(rows[0]?.n);
    },
    sealedKeys: async (tenantId: string, connectorId: string) => {
      const rows = await queryInSchema<{ sealed_key: string }>(
        schema,
        'SELECT sealed_key FROM certificates WHERE tenant_id = $1 AND connector_id = $2 ORDER BY seq',
        [tenantId, connectorId],
      );
      return rows.map((row) => row.sealed_key);
    },
    forgetMigration: async () => void (await queryInSchema(schema, 'DELETE FROM schema_migrations WHERE version = 1')),
    destroy: drop,
  };
}

runRepositoryContract('postgres', makePostgresStore);

describe('PostgreSQL specifics', () => {
  test('instances starting together create a missing schema and migrate it once', async () => {
    const { schema, drop } = await freshPgSchema();
    await drop(); // start from a schema that does not exist
    const repos = await Promise.all(
      Array.from({ length: 4 }, () => openStore({ databaseUrl: TEST_DATABASE_URL, pgSchema: schema, dataDir: '/x' })),
    );
    try {
      await Promise.all(repos.map((repo) => repo.ping()));
      const applied = await queryInSchema<{ version: number }>(schema, 'SELECT version FROM schema_migrations');
      assert.deepEqual(
        applied.map((row) => row.version).sort(),
        migrations.map((m) => m.version),
      );
    } finally {
      await Promise.all(repos.map((repo) => repo.close()));
      await drop();
    }
  });

  test('time columns are 64-bit and keys lead with tenant_id', async () => {
    const { databaseUrl, schema, drop } = await freshPgSchema();
    const repo = await openStore({ databaseUrl, dataDir: '/x' });
    try {
      const columns = await queryInSchema<{ table_name: string; column_name: string; data_type: string }>(
        schema,
        `SELECT table_name, column_name, data_type FROM information_schema.columns
         WHERE table_schema = $1 AND column_name IN ('created_at', 'updated_at', 'not_before', 'not_after', 'uploaded_at', 'seq')`,
        [schema],
      );
      assert.ok(columns.length >= 7);
      for (const column of columns)
        assert.equal(column.data_type, 'bigint', `${column.table_name}.${column.column_name}`);
      const keys = await queryInSchema<{ table_name: string; first_column: string }>(
        schema,
        `SELECT tc.table_name, kcu.column_name AS first_column FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name
           AND kcu.table_schema = tc.table_schema AND kcu.ordinal_position = 1
         WHERE tc.table_schema = $1 AND tc.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')
           AND tc.table_name <> 'schema_migrations'`,
        [schema],
      );
      assert.ok(keys.length >= 5);
      for (const key of keys) assert.equal(key.first_column, 'tenant_id', key.table_name);
    } finally {
      await repo.close();
      await drop();
    }
  });

  test('a statement blocked past statement_timeout fails instead of hanging', async () => {
    const { databaseUrl, schema, drop } = await freshPgSchema();
    const repo = await openStore({ databaseUrl, dataDir: '/x', statementTimeoutMs: 200, poolSize: 1 });
    const locker = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
    try {
      await repo.create(
        {
          tenantId: 't',
          id: 'c',
          displayName: 'd',
          targetUrl: 'https://x.test',
          auth: { kind: 'certificate', certificates: [] },
          now: 1,
        },
        20,
      );
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM "${schema}".connectors WHERE tenant_id = 't' AND id = 'c' FOR UPDATE`);
      await assert.rejects(repo.appendCertificate('t', 'c', cert(1), 2), /statement timeout/);
      await locker.query('ROLLBACK');
      // The pool (size 1) recovered: the connection went back after ROLLBACK and works.
      const row = await repo.appendCertificate('t', 'c', cert(1), 3);
      assert.deepEqual(row?.auth.kind === 'certificate' ? row.auth.certificates.map((c) => c.seq) : [], [1]);
    } finally {
      await locker.end();
      await repo.close();
      await drop();
    }
  });

  test('configuration errors are refused up front', async () => {
    await assert.rejects(
      openStore({ databaseUrl: TEST_DATABASE_URL, pgSchema: 'Bad-Name', dataDir: '/x' }),
      /schema name/,
    );
    await assert.rejects(openStore({ databaseUrl: TEST_DATABASE_URL, poolSize: 0, dataDir: '/x' }), /poolSize/);
    await assert.rejects(openStore({ databaseUrl: 'mysql://localhost/db', dataDir: '/x' }), /postgres:\/\//);
    await assert.rejects(openStore({ databaseUrl: 'postgres://u:hunter2@[bad/db', dataDir: '/x' }), (error: Error) => {
      return /not a valid URL/.test(error.message) && !JSON.stringify(error).includes('hunter2');
    });
    await assert.rejects(
      openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/test', dataDir: '/x' }),
      /ECONNREFUSED/,
    );
  });
});
