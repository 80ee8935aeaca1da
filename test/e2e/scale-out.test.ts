// Scale-out on PostgreSQL: three real server processes on one database, sharing the KEK by configuration.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealerFromKey } from '../../src/secrets/index.js';
import { certificateContext } from '../../src/connectors/service.js';
import { makePfxFiles, type MadePfx } from '../helpers/certificates.js';
import { startServerProcess, type ServerProcess } from '../helpers/processes.js';
import { freshPgSchema, queryInSchema, type FreshPgSchema } from '../store/pg-test-db.js';
import { devToken } from '../helpers/tokens.js';

const BASIC = { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'u', password: 'p' };

describe('three instances on one PostgreSQL database', () => {
  let db: FreshPgSchema;
  let dataDir: string;
  let instances: ServerProcess[] = [];
  let pfx: MadePfx[];
  let token: string;
  const kek = randomBytes(32);

  async function call(i: number, method: string, path: string, body?: unknown) {
    const response = await fetch(instances[i % instances.length]!.url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
  }

  before(async () => {
    pfx = makePfxFiles(310);
    db = await freshPgSchema();
    dataDir = await mkdtemp(join(tmpdir(), 'scale-out-'));
    const args = ['--database-url', db.databaseUrl, '--data-dir', dataDir, '--pg-pool-size', '5'];
    const env = { API_CONNECTORS_KEK: kek.toString('base64') };
    // Started together: migrations run under an advisory lock, so they must not race.
    instances = await Promise.all([0, 1, 2].map(() => startServerProcess(args, env)));
    token = await devToken(dataDir);
  });
  after(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('every instance is ready', async () => {
    for (const instance of instances) {
      const response = await fetch(`${instance.url}/readyz`);
      assert.equal(response.status, 200, instance.output());
    }
  });

  test('300 concurrent uploads spread over the three keep all 300 exactly once, with exactly one active', async () => {
    const created = await call(0, 'POST', '/v1.0/identity/apiConnectors', {
      displayName: 'busy',
      targetUrl: 'https://api.contoso.com/x',
      authenticationConfiguration: BASIC,
    });
    assert.equal(created.status, 201, created.text);
    const path = `/v1.0/identity/apiConnectors/${created.json.id}`;
    const uploads = pfx.slice(0, 300);
    const results = await Promise.all(
      uploads.map((p, i) =>
        call(i, 'POST', `${path}/uploadClientCertificate`, { pkcs12Value: p.base64, password: p.password }),
      ),
    );
    for (const result of results) assert.equal(result.status, 200, result.text);

    for (let i = 0; i < 3; i++) {
      const got = await call(i, 'GET', path);
      const list = got.json.authenticationConfiguration.certificateList as Array<{
        thumbprint: string;
        isActive: boolean;
      }>;
      assert.equal(list.length, 300);
      assert.deepEqual(new Set(list.map((c) => c.thumbprint)), new Set(uploads.map((p) => p.thumbprint)));
      assert.equal(list.filter((c) => c.isActive).length, 1);
      assert.equal(list[list.length - 1]!.isActive, true, 'the most recently uploaded certificate is the active one');
    }

    // The key written by one instance opens with the shared KEK (any instance can use it for the outbound call).
    const rows = await queryInSchema<{
      thumbprint: string;
      sealed_key: string;
      tenant_id: string;
      connector_id: string;
    }>(db.schema, 'select * from certificates limit 1');
    const row = rows[0]!;
    const material = JSON.parse(
      sealerFromKey(kek)
        .open(row.sealed_key, certificateContext(row.tenant_id, row.connector_id, row.thumbprint))
        .toString(),
    );
    assert.ok(material.keyPkcs8.length > 50);
  });

  test('concurrent creates over three instances never exceed the per-tenant limit', async () => {
    const count = Number((await call(0, 'GET', '/v1.0/identity/apiConnectors/$count')).text);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        call(i, 'POST', '/v1.0/identity/apiConnectors', {
          displayName: `c${i}`,
          targetUrl: 'https://a.com/x',
          authenticationConfiguration: BASIC,
        }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 201).length, 20 - count);
    assert.ok(results.filter((r) => r.status !== 201).every((r) => r.json.error.code === 'Directory_QuotaExceeded'));
    assert.equal((await call(2, 'GET', '/v1.0/identity/apiConnectors/$count')).text, '20');
  });

  test('a PATCH racing an upload ends in one of the two serial orders', async () => {
    const list = await call(0, 'GET', '/v1.0/identity/apiConnectors');
    const victim = list.json.value.find((c: { displayName: string }) => c.displayName !== 'busy');
    const path = `/v1.0/identity/apiConnectors/${victim.id}`;
    const outcomes = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const replaceWith = pfx[300 + round * 2]!;
      const append = pfx[301 + round * 2]!;
      await call(0, 'PATCH', path, { authenticationConfiguration: BASIC });
      const [patched, uploaded] = await Promise.all([
        call(1, 'PATCH', path, {
          authenticationConfiguration: {
            '@odata.type': '#microsoft.graph.pkcs12Certificate',
            pkcs12Value: replaceWith.base64,
            password: replaceWith.password,
          },
        }),
        call(2, 'POST', `${path}/uploadClientCertificate`, { pkcs12Value: append.base64, password: append.password }),
      ]);
      assert.equal(patched.status, 204, patched.text);
      assert.equal(uploaded.status, 200, uploaded.text);
      const got = await call(round, 'GET', path);
      const thumbprints = got.json.authenticationConfiguration.certificateList.map(
        (c: { thumbprint: string }) => c.thumbprint,
      );
      const uploadThenPatch = [replaceWith.thumbprint];
      const patchThenUpload = [replaceWith.thumbprint, append.thumbprint];
      assert.ok(
        JSON.stringify(thumbprints) === JSON.stringify(uploadThenPatch) ||
          JSON.stringify(thumbprints) === JSON.stringify(patchThenUpload),
        `not a serial order: ${JSON.stringify(thumbprints)}`,
      );
      outcomes.add(thumbprints.length === 1 ? 'upload-then-patch' : 'patch-then-upload');
    }
    assert.ok(outcomes.size >= 1);
  });

  test('graceful shutdown: in-flight requests finish, then the process exits 0', async () => {
    const victim = instances.pop()!;
    const inFlight = Array.from({ length: 20 }, () =>
      fetch(`${victim.url}/v1.0/identity/apiConnectors`, { headers: { authorization: `Bearer ${token}` } }).then(
        (r) => r.status,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    const exitCode = await victim.stop('SIGTERM');
    const statuses = await Promise.allSettled(inFlight);
    assert.equal(exitCode, 0, victim.output());
    // A request either completed normally or was never accepted (connection refused); none is cut off with a 5xx.
    for (const status of statuses) if (status.status === 'fulfilled') assert.equal(status.value, 200);
  });
});
