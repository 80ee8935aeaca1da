// Two instances on one store, each with its read cache on (the default): every write through one is seen by the
// very next read through the other, for every kind of write. This is what makes the cache safe behind a load
// balancer (docs/scaling.md); the cache checks the tenant generation the store bumps in each write's transaction.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFixture } from '../fixtures/index.js';
import { startServer, STORES, type TestServer } from './harness.js';

const collection = '/v1.0/identity/apiConnectors';

for (const store of STORES) {
  describe(`read cache coherence across instances (${store})`, () => {
    let reader: TestServer;
    let writer: TestServer;

    before(async () => {
      reader = await startServer({ store });
      writer = await startServer({
        store,
        dataDir: reader.config.dataDir,
        ...(reader.config.databaseUrl && reader.config.pgSchema
          ? { pg: { databaseUrl: reader.config.databaseUrl, schema: reader.config.pgSchema } }
          : {}),
      });
      assert.ok(reader.config.readCacheTenants > 0, 'the cache is on by default');
    });
    after(async () => {
      await writer?.close({ keepData: true });
      await reader?.close();
    });

    const names = async () =>
      ((await reader.call('GET', collection)).json.value as Array<{ displayName: string }>).map((c) => c.displayName);

    test('create, PATCH, upload and DELETE through one instance show at once through the other', async () => {
      const created = await writer.call('POST', collection, {
        displayName: 'first',
        targetUrl: 'https://example.com/first',
        authenticationConfiguration: {
          '@odata.type': '#microsoft.graph.basicAuthentication',
          username: 'u',
          password: 'p',
        },
      });
      assert.equal(created.status, 201);
      const id = created.json.id as string;
      const item = `${collection}/${id}`;

      // Read twice, so the second read is served from the reader's cache.
      assert.deepEqual(await names(), ['first']);
      assert.deepEqual(await names(), ['first']);
      assert.equal((await reader.call('GET', item)).json.displayName, 'first');

      assert.equal((await writer.call('PATCH', item, { displayName: 'renamed' })).status, 204);
      assert.deepEqual(await names(), ['renamed']);
      assert.equal((await reader.call('GET', item)).json.displayName, 'renamed');

      const fixture = loadFixture('modern-rsa2048.pfx');
      const upload = await writer.call('POST', `${item}/uploadClientCertificate`, {
        pkcs12Value: fixture.bytes.toString('base64'),
        password: fixture.password,
      });
      assert.equal(upload.status, 200);
      const seen = (await reader.call('GET', item)).json.authenticationConfiguration;
      assert.equal(seen['@odata.type'], '#microsoft.graph.clientCertificateAuthentication');
      assert.deepEqual(seen.certificateList, upload.json.authenticationConfiguration.certificateList);

      const second = await writer.call('POST', collection, {
        displayName: 'second',
        targetUrl: 'https://example.com/second',
        authenticationConfiguration: {
          '@odata.type': '#microsoft.graph.basicAuthentication',
          username: 'u',
          password: 'p',
        },
      });
      assert.equal(second.status, 201);
      assert.deepEqual(await names(), ['renamed', 'second']);
      assert.equal((await reader.call('GET', `${collection}/$count`)).text, '2');

      assert.equal((await writer.call('DELETE', item)).status, 204);
      assert.equal((await reader.call('GET', item)).status, 404);
      assert.deepEqual(await names(), ['second']);
    });
  });
}
