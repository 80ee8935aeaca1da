// The official Microsoft Graph JavaScript client drives the service, as Azurite's tests use the Azure SDKs:
// if the official client cannot use it, it is not faithful.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import { graphClient } from '../helpers/graph-client.js';
import { loadFixture } from '../fixtures/index.js';
import { startServer, type TestServer } from './harness.js';

describe('official @microsoft/microsoft-graph-client against the service', () => {
  let server: TestServer;
  let client: Client;
  before(async () => {
    server = await startServer({ store: 'sqlite' });
    client = graphClient(server.baseUrl, async () => server.token);
  });
  after(async () => server?.close());

  test('create, get, list, update, upload a certificate and delete', async () => {
    const created = await client.api('/identity/apiConnectors').post({
      displayName: 'SDK connector',
      targetUrl: 'https://someapi.com/api',
      authenticationConfiguration: {
        '@odata.type': '#microsoft.graph.basicAuthentication',
        username: 'sdk-user',
        password: 'sdk-password',
      },
    });
    assert.equal(created.displayName, 'SDK connector');
    assert.equal(created.authenticationConfiguration.password, '******');

    const fetched = await client.api(`/identity/apiConnectors/${created.id}`).get();
    assert.deepEqual(fetched, created);

    const listed = await client.api('/identity/apiConnectors').select(['id', 'displayName']).top(5).get();
    assert.ok(listed.value.some((c: { id: string }) => c.id === created.id));

    await client.api(`/identity/apiConnectors/${created.id}`).patch({ displayName: 'SDK renamed' });
    assert.equal((await client.api(`/identity/apiConnectors/${created.id}`).get()).displayName, 'SDK renamed');

    const fixture = loadFixture('modern-rsa2048');
    const uploaded = await client
      .api(`/identity/apiConnectors/${created.id}/uploadClientCertificate`)
      .post({ pkcs12Value: fixture.base64, password: fixture.password });
    assert.deepEqual(uploaded.authenticationConfiguration.certificateList, [
      {
        thumbprint: fixture.expected.thumbprint,
        notAfter: fixture.expected.notAfter,
        notBefore: fixture.expected.notBefore,
        isActive: true,
      },
    ]);

    const beta = await client.api(`/identity/apiConnectors/${created.id}`).version('beta').get();
    assert.equal(beta['@odata.context'], 'https://graph.microsoft.com/beta/$metadata#identity/apiConnectors/$entity');

    await client.api(`/identity/apiConnectors/${created.id}`).delete();
    await assert.rejects(client.api(`/identity/apiConnectors/${created.id}`).get(), (error: unknown) => {
      assert.ok(error instanceof GraphError);
      assert.equal(error.statusCode, 404);
      assert.equal(error.code, 'Request_ResourceNotFound');
      assert.ok(error.requestId);
      return true;
    });
  });

  test('errors surface as GraphError with the Graph code and message', async () => {
    const created = await client.api('/identity/apiConnectors').post({
      displayName: 'SDK errors',
      targetUrl: 'https://someapi.com/api',
      authenticationConfiguration: {
        '@odata.type': '#microsoft.graph.basicAuthentication',
        username: 'u',
        password: 'p',
      },
    });
    const fixture = loadFixture('modern-rsa2048');
    await assert.rejects(
      client
        .api(`/identity/apiConnectors/${created.id}/uploadClientCertificate`)
        .post({ pkcs12Value: fixture.base64, password: 'wrong' }),
      (error: unknown) => {
        assert.ok(error instanceof GraphError);
        assert.equal(error.statusCode, 400);
        assert.equal(error.code, 'AADB2C90213');
        assert.equal(error.message, 'The certificate password provided in request is incorrect.');
        return true;
      },
    );
  });
});
