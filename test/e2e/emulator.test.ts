// Development-mode clock control: certificate rollover can be tested without waiting for notBefore.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFixture } from '../fixtures/index.js';
import { startServer, type TestServer } from './harness.js';

describe('/_emulator/clock (development mode)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ store: 'sqlite' });
  });
  after(async () => server?.close());

  test('moving the clock past a future certificate’s notBefore makes it the active one; DELETE goes back', async () => {
    const current = loadFixture('modern-rsa2048');
    const future = loadFixture('not-yet-valid');
    const created = await server.call('POST', '/v1.0/identity/apiConnectors', {
      displayName: 'rollover',
      targetUrl: 'https://api.contoso.com/x',
      authenticationConfiguration: {
        '@odata.type': '#microsoft.graph.pkcs12Certificate',
        pkcs12Value: current.base64,
        password: current.password,
      },
    });
    const path = `/v1.0/identity/apiConnectors/${created.json.id}`;
    await server.call('POST', `${path}/uploadClientCertificate`, {
      pkcs12Value: future.base64,
      password: future.password,
    });
    const flags = (connector: { authenticationConfiguration: { certificateList: Array<{ isActive: boolean }> } }) =>
      connector.authenticationConfiguration.certificateList.map((c) => c.isActive);
    // GET and list alike: both may answer from a cached rendering, which must follow the clock.
    const active = async () => {
      const item = flags((await server.call('GET', path)).json);
      const listed = flags((await server.call('GET', '/v1.0/identity/apiConnectors')).json.value[0]);
      assert.deepEqual(listed, item);
      return item;
    };
    assert.deepEqual(await active(), [true, false]);
    assert.deepEqual(await active(), [true, false]);

    const moved = await server.call('PUT', '/_emulator/clock', {
      now: new Date(future.expected.notBefore * 1000).toISOString(),
    });
    assert.equal(moved.status, 200, moved.text);
    assert.ok(moved.json.offsetSeconds > 0);
    assert.deepEqual(await active(), [false, true]);

    const reset = await server.call('DELETE', '/_emulator/clock');
    assert.equal(reset.json.offsetSeconds, 0);
    assert.deepEqual(await active(), [true, false]);

    const offset = await server.call('PUT', '/_emulator/clock', { offsetSeconds: 86_400 });
    assert.equal(offset.json.offsetSeconds, 86_400);
    await server.call('DELETE', '/_emulator/clock');
  });

  test('bad bodies are 400; a request without a token is 401', async () => {
    const bad = await server.call('PUT', '/_emulator/clock', { now: 'tomorrow-ish' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'Request_BadRequest');
    assert.equal(
      (await server.call('PUT', '/_emulator/clock', { now: '2030-01-01T00:00:00Z', offsetSeconds: 1 })).status,
      400,
    );
    const anonymous = await fetch(`${server.baseUrl}/_emulator/clock`);
    assert.equal(anonymous.status, 401);
  });
});
