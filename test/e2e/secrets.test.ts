// Secrets never leave: after a create with a basic password, an upload and a failed upload, neither the database
// files, the logs (at trace level), nor any response contain the passwords, the PFX or the private key bytes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { STORES, startServer, type TestServer } from './harness.js';

const BASIC_CANARY = 'CANARY-basic-7f3a9c1e';
const PFX_CANARY = 'CANARY-pfx-2b8d4e6f';

/** A fresh EC key and self-signed certificate in a PFX protected by the canary password, made with openssl. */
function makeCanaryPfx(): { pfx: Buffer; keyDer: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'canary-'));
  try {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '30',
      '-subj',
      '/CN=canary',
    );
    run('pkcs12', '-export', '-inkey', 'key.pem', '-in', 'cert.pem', '-out', 'c.pfx', '-passout', `pass:${PFX_CANARY}`);
    run('pkey', '-in', 'key.pem', '-outform', 'DER', '-out', 'key.der');
    return { pfx: readFileSync(join(dir, 'c.pfx')), keyDer: readFileSync(join(dir, 'key.der')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

for (const store of STORES) {
  describe(`secrets stay secret (${store})`, () => {
    let server: TestServer;
    const { pfx, keyDer } = makeCanaryPfx();
    const responses: string[] = [];
    before(async () => {
      server = await startServer({ store, config: { logLevel: 'trace' } });
      const created = await server.call('POST', '/v1.0/identity/apiConnectors', {
        displayName: 'Secret test',
        targetUrl: 'https://someapi.com/api',
        authenticationConfiguration: {
          '@odata.type': '#microsoft.graph.basicAuthentication',
          username: 'u',
          password: BASIC_CANARY,
        },
      });
      assert.equal(created.status, 201);
      const path = `/v1.0/identity/apiConnectors/${created.json.id}/uploadClientCertificate`;
      const wrong = await server.call('POST', path, {
        pkcs12Value: pfx.toString('base64'),
        password: `${PFX_CANARY}-wrong`,
      });
      assert.equal(wrong.status, 400);
      const uploaded = await server.call('POST', path, { pkcs12Value: pfx.toString('base64'), password: PFX_CANARY });
      assert.equal(uploaded.status, 200, uploaded.text);
      const got = await server.call('GET', `/v1.0/identity/apiConnectors/${created.json.id}`);
      responses.push(created.text, wrong.text, uploaded.text, got.text);
    });
    after(async () => server?.close());

    const needles = () => [
      Buffer.from(BASIC_CANARY),
      Buffer.from(PFX_CANARY),
      Buffer.from(PFX_CANARY, 'utf16le'),
      pfx.subarray(0, 64),
      Buffer.from(pfx.toString('base64').slice(0, 64)),
      keyDer,
      keyDer.subarray(keyDer.length - 48), // the EC private scalar region
      Buffer.from(keyDer.toString('base64').slice(0, 48)),
    ];

    function assertClean(haystack: Buffer, where: string): void {
      for (const needle of needles()) assert.equal(haystack.indexOf(needle), -1, `a secret was found in ${where}`);
    }

    test('responses', () => {
      for (const text of responses) assertClean(Buffer.from(text), 'a response');
    });

    test('logs, even at trace level', () => {
      assert.ok(server.logs().length > 0, 'the server logged nothing: the scan would prove nothing');
      assertClean(Buffer.from(server.logs()), 'the logs');
    });

    test('everything on disk in the data dir', async () => {
      const files = filesUnder(server.config.dataDir);
      assert.ok(files.length > 0);
      for (const file of files) assertClean(readFileSync(file), file);
    });

    if (store === 'postgres') {
      test('every row in the database', async () => {
        const client = new pg.Client({ connectionString: server.config.databaseUrl });
        await client.connect();
        try {
          const tables = await client.query<{ table_name: string }>(
            'select table_name from information_schema.tables where table_schema = $1',
            [server.config.pgSchema],
          );
          assert.ok(tables.rows.length > 0);
          for (const { table_name } of tables.rows) {
            const rows = await client.query(`select * from "${server.config.pgSchema}"."${table_name}"`);
            assertClean(Buffer.from(JSON.stringify(rows.rows)), `table ${table_name}`);
          }
        } finally {
          await client.end();
        }
      });
    }
  });
}
