// PostgreSQL for tests: each caller gets its own freshly created schema in the test database and drops it after.
// Never skips: an unreachable server is a loud failure naming the URL and how to change it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface FreshPgSchema {
  /** TEST_DATABASE_URL with `?schema=<schema>` appended, so a child process needs only DATABASE_URL. */
  databaseUrl: string;
  schema: string;
  /** DROP SCHEMA … CASCADE. Idempotent. */
  drop(): Promise<void>;
}

async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `PostgreSQL for tests is unreachable at ${TEST_DATABASE_URL} (${reason}). ` +
        'Start it (trust auth, database "test") or point TEST_DATABASE_URL elsewhere; these tests never skip.',
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function freshPgSchema(): Promise<FreshPgSchema> {
  const schema = `t_${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
  await withClient((client) => client.query(`CREATE SCHEMA "${schema}"`));
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('schema', schema);
  return {
    databaseUrl: url.toString(),
    schema,
    drop: () => withClient(async (client) => void (await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))),
  };
}

/** Runs one query in `schema` with a short-lived client (for tests that inspect tables directly). */
export async function queryInSchema<R extends pg.QueryResultRow>(
  schema: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  return withClient(async (client) => {
    await client.query(`SET search_path TO "${schema}"`);
    return (await client.query<R>(sql, params)).rows;
  });
}
