// The documented Graph examples, replayed over HTTP against the real service, once per store.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFixture } from '../fixtures/index.js';
import { STORES, startServer, testClock, type TestServer } from './harness.js';

const BASIC = { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'MyUsername', password: 'MyPassword' };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function pkcs12(name: string) {
  const fixture = loadFixture(name);
  return {
    pkcs12Value: fixture.base64,
    password: fixture.password,
    get expected() {
      return fixture.expected;
    },
  };
}

for (const store of STORES) {
  describe(`API connectors over HTTP (${store})`, () => {
    let server: TestServer;
    const clock = testClock(Date.now());
    before(async () => {
      server = await startServer({ store, overrides: { clock: clock.now } });
    });
    after(async () => server?.close());

    test('create (basic) answers 201, Location and exactly the documented shape; GET and list agree', async () => {
      const created = await server.call('POST', '/v1.0/identity/apiConnectors', {
        displayName: 'Test API',
        targetUrl: 'https://someapi.com/api',
        authenticationConfiguration: BASIC,
      });
      assert.equal(created.status, 201);
      assert.match(created.headers.get('content-type')!, /^application\/json;odata.metadata=minimal/);
      const id = created.json.id as string;
      assert.match(id, GUID);
      assert.equal(created.headers.get('location'), `${server.baseUrl}/v1.0/identity/apiConnectors/${id}`);
      const expected = {
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#identity/apiConnectors/$entity',
        id,
        displayName: 'Test API',
        targetUrl: 'https://someapi.com/api',
        authenticationConfiguration: {
          '@odata.type': '#microsoft.graph.basicAuthentication',
          username: 'MyUsername',
          password: '******',
        },
      };
      assert.deepEqual(created.json, expected);
      // Property order is part of the shape: compare the raw text too.
      assert.equal(created.text, JSON.stringify(expected));

      const got = await server.call('GET', `/v1.0/identity/apiConnectors/${id}`);
      assert.equal(got.status, 200);
      assert.equal(got.text, JSON.stringify(expected));

      const listed = await server.call('GET', '/v1.0/identity/apiConnectors/');
      assert.equal(listed.status, 200);
      assert.equal(listed.json['@odata.context'], 'https://graph.microsoft.com/v1.0/$metadata#identity/apiConnectors');
      const { '@odata.context': _ctx, ...item } = expected;
      assert.deepEqual(
        listed.json.value.find((c: { id: string }) => c.id === id),
        item,
      );
      assert.ok(!created.text.includes('MyPassword') && !listed.text.includes('MyPassword'));
    });

    test('create (pkcs12Certificate) answers clientCertificateAuthentication with the certificate facts', async () => {
      const cert = pkcs12('modern-rsa2048');
      const created = await server.call('POST', '/beta/identity/apiConnectors', {
        displayName: 'Test API',
        targetUrl: 'https://someotherapi.com/api',
        authenticationConfiguration: {
          '@odata.type': '#microsoft.graph.pkcs12Certificate',
          pkcs12Value: cert.pkcs12Value,
          password: cert.password,
        },
      });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(created.json, {
        '@odata.context': 'https://graph.microsoft.com/beta/$metadata#identity/apiConnectors/$entity',
        id: created.json.id,
        displayName: 'Test API',
        targetUrl: 'https://someotherapi.com/api',
        authenticationConfiguration: {
          '@odata.type': '#microsoft.graph.clientCertificateAuthentication',
          certificateList: [
            {
              thumbprint: cert.expected.thumbprint,
              notAfter: cert.expected.notAfter,
              notBefore: cert.expected.notBefore,
              isActive: true,
            },
          ],
        },
      });
      assert.ok(!created.text.includes(cert.pkcs12Value.slice(0, 40)));
    });

    test('PATCH is partial and answers 204; basic replaces certificates and pkcs12Certificate replaces the list', async () => {
      const a = pkcs12('modern-rsa2048');
      const b = pkcs12('modern-rsa2048-b');
      const created = await server.call('POST', '/v1.0/identity/apiConnectors', {
        displayName: 'Patch me',
        targetUrl: 'https://someapi.com/api',
        authenticationConfiguration: BASIC,
      });
      const path = `/v1.0/identity/apiConnectors/${created.json.id}`;

      // The documented example: displayName, targetUrl and basic credentials ('@odata.type' without '#').
      const patched = await server.call('PATCH', path, {
        displayName: 'New Test API',
        targetUrl: 'https://otherapi.com/api/endpoint',
        authenticationConfiguration: {
          '@odata.type': 'microsoft.graph.basicAuthentication',
          username: '<NEW_USERNAME>',
          password: '<NEW_PASSWORD>',
        },
      });
      assert.equal(patched.status, 204);
      assert.equal(patched.text, '');
      let got = await server.call('GET', path);
      assert.equal(got.json.displayName, 'New Test API');
      assert.equal(got.json.targetUrl, 'https://otherapi.com/api/endpoint');
      assert.equal(got.json.authenticationConfiguration.username, '<NEW_USERNAME>');

      // Partial: only displayName changes.
      assert.equal((await server.call('PATCH', path, { displayName: 'Only name' })).status, 204);
      got = await server.call('GET', path);
      assert.equal(got.json.displayName, 'Only name');
      assert.equal(got.json.targetUrl, 'https://otherapi.com/api/endpoint');

      // Upload twice, then PATCH pkcs12Certificate: the list is replaced by exactly that certificate.
      await server.call('POST', `${path}/uploadClientCertificate`, {
        pkcs12Value: a.pkcs12Value,
        password: a.password,
      });
      const patchCert = await server.call('PATCH', path, {
        authenticationConfiguration: {
          '@odata.type': '#microsoft.graph.pkcs12Certificate',
          pkcs12Value: b.pkcs12Value,
          password: b.password,
        },
      });
      assert.equal(patchCert.status, 204, patchCert.text);
      got = await server.call('GET', path);
      assert.deepEqual(
        got.json.authenticationConfiguration.certificateList.map((c: { thumbprint: string }) => c.thumbprint),
        [b.expected.thumbprint],
      );

      // PATCH basic over certificates: certificate auth is replaced.
      await server.call('PATCH', path, { authenticationConfiguration: BASIC });
      got = await server.call('GET', path);
      assert.deepEqual(got.json.authenticationConfiguration, { ...BASIC, password: '******' });
    });

    test('uploadClientCertificate appends (both URL spellings), switches basic to certificates, keeps upload order', async () => {
      const a = pkcs12('modern-rsa2048');
      const b = pkcs12('modern-rsa2048-b');
      const created = await server.call('POST', '/v1.0/identity/apiConnectors', {
        displayName: 'My API connector',
        targetUrl: 'https://api.contoso.com/endpoint',
        authenticationConfiguration: BASIC,
      });
      const id = created.json.id;
      // The documentation writes the collection in lower case.
      const first = await server.call('POST', `/v1.0/identity/apiconnectors/${id}/uploadClientCertificate`, {
        pkcs12Value: a.pkcs12Value,
        password: a.password,
      });
      assert.equal(first.status, 200, first.text);
      assert.equal(
        first.json['@odata.context'],
        'https://graph.microsoft.com/v1.0/$metadata#identity/apiConnectors/$entity',
      );
      assert.equal(
        first.json.authenticationConfiguration['@odata.type'],
        '#microsoft.graph.clientCertificateAuthentication',
      );
      const second = await server.call(
        'POST',
        `/v1.0/identity/apiConnectors/${id}/microsoft.graph.uploadClientCertificate`,
        {
          pkcs12Value: b.pkcs12Value,
          password: b.password,
        },
      );
      assert.equal(second.status, 200, second.text);
      assert.deepEqual(second.json.authenticationConfiguration.certificateList, [
        {
          thumbprint: a.expected.thumbprint,
          notAfter: a.expected.notAfter,
          notBefore: a.expected.notBefore,
          isActive: false,
        },
        {
          thumbprint: b.expected.thumbprint,
          notAfter: b.expected.notAfter,
          notBefore: b.expected.notBefore,
          isActive: true,
        },
      ]);
      assert.deepEqual(Object.keys(second.json.authenticationConfiguration.certificateList[0]), [
        'thumbprint',
        'notAfter',
        'notBefore',
        'isActive',
      ]);
    });

    test('isActive follows the clock: a not-yet-valid upload takes over when its notBefore passes', async () => {
      const current = pkcs12('modern-rsa2048');
      const future = pkcs12('not-yet-valid');
      const created = await server.call('POST', '/v1.0/identity/apiConnectors', {
        displayName: 'Rollover',
        targetUrl: 'https://api.contoso.com/endpoint',
        authenticationConfiguration: { '@odata.type': '#microsoft.graph.pkcs12Certificate', ...strip(current) },
      });
      const path = `/v1.0/identity/apiConnectors/${created.json.id}`;
      const uploaded = await server.call('POST', `${path}/uploadClientCertificate`, strip(future));
      assert.equal(uploaded.status, 200, uploaded.text);
      assert.deepEqual(
        uploaded.json.authenticationConfiguration.certificateList.map((c: { isActive: boolean }) => c.isActive),
        [true, false],
      );
      const saved = clock.now();
      try {
        clock.set(future.expected.notBefore * 1000);
        const later = await server.call('GET', path);
        assert.deepEqual(
          later.json.authenticationConfiguration.certificateList.map((c: { isActive: boolean }) => c.isActive),
          [false, true],
        );
        clock.set(future.expected.notAfter * 1000);
        const expired = await server.call('GET', path);
        assert.deepEqual(
          expired.json.authenticationConfiguration.certificateList.map((c: { isActive: boolean }) => c.isActive),
          [false, false],
        );
      } finally {
        clock.set(saved);
      }
    });

    test('a failed upload changes nothing', async () => {
      const a = pkcs12('modern-rsa2048');
      const created = await server.call('POST', '/v1.0/identity/apiConnectors', {
        displayName: 'Atomic',
        targetUrl: 'https://api.contoso.com/endpoint',
        authenticationConfiguration: BASIC,
      });
      const path = `/v1.0/identity/apiConnectors/${created.json.id}`;
      const before = await server.call('GET', path);
      const wrong = await server.call('POST', `${path}/uploadClientCertificate`, {
        pkcs12Value: a.pkcs12Value,
        password: 'not-the-password',
      });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.json.error.code, 'AADB2C90213');
      assert.equal(wrong.json.error.message, 'The certificate password provided in request is incorrect.');
      const garbage = await server.call('POST', `${path}/uploadClientCertificate`, {
        pkcs12Value: 'not base64!',
        password: '',
      });
      assert.equal(garbage.status, 400);
      assert.equal(garbage.json.error.code, 'Pkcs12_InvalidBase64');
      const keyOnly = await server.call('POST', `${path}/uploadClientCertificate`, strip(pkcs12('key-only')));
      assert.equal(keyOnly.status, 400);
      assert.equal(keyOnly.json.error.code, 'Pkcs12_NoCertificate');
      const certOnly = await server.call('POST', `${path}/uploadClientCertificate`, strip(pkcs12('cert-only')));
      assert.equal(certOnly.status, 400);
      assert.equal(certOnly.json.error.code, 'Pkcs12_NoPrivateKey');
      const after = await server.call('GET', path);
      assert.equal(after.text, before.text);
    });

    test('re-uploading a certificate already in the list is refused and changes nothing', async () => {
      const a = pkcs12('modern-rsa2048');
      const created = await server.call('POST', '/v1.0/identity/apiConnectors', {
        displayName: 'Dup',
        targetUrl: 'https://api.contoso.com/endpoint',
        authenticationConfiguration: { '@odata.type': '#microsoft.graph.pkcs12Certificate', ...strip(a) },
      });
      const path = `/v1.0/identity/apiConnectors/${created.json.id}`;
      const again = await server.call('POST', `${path}/uploadClientCertificate`, strip(a));
      assert.equal(again.status, 400);
      assert.match(again.json.error.message, new RegExp(a.expected.thumbprint));
      let got = await server.call('GET', path);
      assert.equal(got.json.authenticationConfiguration.certificateList.length, 1);

      // Concurrent uploads of the same new certificate: exactly one lands (a unique index, not a racy check).
      const b = pkcs12('modern-rsa2048-b');
      const racing = await Promise.all(
        Array.from({ length: 6 }, () => server.call('POST', `${path}/uploadClientCertificate`, strip(b))),
      );
      assert.deepEqual(racing.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400]);
      got = await server.call('GET', path);
      assert.deepEqual(
        got.json.authenticationConfiguration.certificateList.map((c: { thumbprint: string }) => c.thumbprint),
        [a.expected.thumbprint, b.expected.thumbprint],
      );
    });

    test('delete answers 204, then the connector is a 404 everywhere', async () => {
      const created = await server.call('POST', '/v1.0/identity/apiConnectors', {
        displayName: 'Delete me',
        targetUrl: 'https://someapi.com/api',
        authenticationConfiguration: BASIC,
      });
      const path = `/v1.0/identity/apiConnectors/${created.json.id}`;
      const deleted = await server.call('DELETE', path);
      assert.equal(deleted.status, 204);
      assert.equal(deleted.text, '');
      for (const [method, suffix, body] of [
        ['GET', '', undefined],
        ['PATCH', '', { displayName: 'x' }],
        ['DELETE', '', undefined],
        ['POST', '/uploadClientCertificate', strip(pkcs12('modern-rsa2048'))],
      ] as const) {
        const response = await server.call(method, path + suffix, body);
        assert.equal(response.status, 404, `${method} ${suffix}`);
        assert.equal(response.json.error.code, 'Request_ResourceNotFound');
      }
    });

    test('ids are case-insensitive GUIDs; paths are case-insensitive and tolerate a trailing slash', async () => {
      const created = await server.call('POST', '/v1.0/identity/apiConnectors', {
        displayName: 'Casing',
        targetUrl: 'https://someapi.com/api',
        authenticationConfiguration: BASIC,
      });
      const id: string = created.json.id;
      const got = await server.call('GET', `/V1.0/Identity/APICONNECTORS/${id.toUpperCase()}/`);
      assert.equal(got.status, 200);
      assert.equal(got.json.id, id);
    });
  });
}

function strip(cert: { pkcs12Value: string; password: string }) {
  return { pkcs12Value: cert.pkcs12Value, password: cert.password };
}
