// Identity over the real server: every /identity route × every kind of bad token gives the right status and code;
// tenants are isolated; @azure/identity + the official Graph client work end to end over HTTPS.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  API_CONNECTORS_PERMISSION,
  GLOBAL_ADMINISTRATOR_ROLE,
  MSA_TENANT_ID,
  USER_FLOW_ADMINISTRATOR_ROLE,
} from '../../src/auth/index.js';
import { loadFixture } from '../fixtures/index.js';
import {
  appClaims,
  devClientCredential,
  hmacWithPublicKey,
  httpsFetch,
  startJwksServer,
  unsignedToken,
  type JwksServer,
} from '../auth/helpers.js';
import { graphClient } from '../helpers/graph-client.js';
import { startServer, type TestServer } from './harness.js';

const OTHER_TENANT = '22222222-2222-4222-8222-222222222222';
const BASIC = { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'u', password: 'p' };

describe('every /identity route refuses every kind of bad token', () => {
  let server: TestServer;
  let stranger: JwksServer;
  let id: string;
  const tokens: Record<string, string> = {};
  before(async () => {
    server = await startServer({ store: 'sqlite' });
    stranger = await startJwksServer();
    const created = await server.call('POST', '/v1.0/identity/apiConnectors', {
      displayName: 'guarded',
      targetUrl: 'https://a.com/x',
      authenticationConfiguration: BASIC,
    });
    id = created.json.id;
    const valid = server.token;
    const [header, payload] = valid.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    tokens['garbage'] = 'not-a-jwt';
    tokens['bad signature'] = `${header}.${payload}.${Buffer.alloc(256, 7).toString('base64url')}`;
    tokens['alg none'] = unsignedToken(claims);
    // The issuer's published key, used as an HMAC secret: the classic algorithm-confusion forgery.
    const keys = await server.call('GET', `/${claims.tid}/discovery/v2.0/keys`);
    const jwk = keys.json.keys[0];
    tokens['HS256 with the public key'] = await hmacWithPublicKey(claims, jwk, jwk.kid);
    tokens['expired'] = await server.app.devToken({ expiresInSeconds: -600 });
    tokens['not yet valid'] = await server.app.devToken({ notBeforeInSeconds: 600, expiresInSeconds: 3600 });
    tokens['wrong audience'] = await server.app.devToken({ audience: 'https://management.azure.com' });
    tokens['untrusted issuer'] = await stranger.sign(appClaims(stranger.issuerFor(claims.tid), claims.tid));
    tokens['no permission'] = await server.app.devToken({ roles: ['User.Read.All'] });
    tokens['delegated without directory role'] = await server.app.devToken({
      scopes: [API_CONNECTORS_PERMISSION],
      directoryRoles: [],
    });
    tokens['MSA tenant'] = await server.app.devToken({ tenantId: MSA_TENANT_ID });
  });
  after(async () => {
    await server?.close();
    await stranger?.close();
  });

  const routes = (): Array<[string, string, unknown?]> => [
    ['GET', '/v1.0/identity/apiConnectors'],
    [
      'POST',
      '/v1.0/identity/apiConnectors',
      { displayName: 'x', targetUrl: 'https://a.com', authenticationConfiguration: BASIC },
    ],
    ['GET', '/beta/identity/apiConnectors/$count'],
    ['GET', `/v1.0/identity/apiConnectors/${id}`],
    ['PATCH', `/v1.0/identity/apiConnectors/${id}`, { displayName: 'hijacked' }],
    ['DELETE', `/beta/identity/apiConnectors/${id}`],
    ['POST', `/v1.0/identity/apiConnectors/${id}/uploadClientCertificate`, { pkcs12Value: 'AA', password: '' }],
    [
      'POST',
      `/beta/identity/apiConnectors/${id}/microsoft.graph.uploadClientCertificate`,
      { pkcs12Value: 'AA', password: '' },
    ],
  ];
  const expectations: Array<[string, number, string]> = [
    ['missing', 401, 'InvalidAuthenticationToken'],
    ['garbage', 401, 'InvalidAuthenticationToken'],
    ['bad signature', 401, 'InvalidAuthenticationToken'],
    ['alg none', 401, 'InvalidAuthenticationToken'],
    ['HS256 with the public key', 401, 'InvalidAuthenticationToken'],
    ['expired', 401, 'InvalidAuthenticationToken'],
    ['not yet valid', 401, 'InvalidAuthenticationToken'],
    ['wrong audience', 401, 'InvalidAuthenticationToken'],
    ['untrusted issuer', 401, 'InvalidAuthenticationToken'],
    ['no permission', 403, 'Authorization_RequestDenied'],
    ['delegated without directory role', 403, 'Authorization_RequestDenied'],
    ['MSA tenant', 403, 'Authorization_RequestDenied'],
  ];

  for (const [variant, status, code] of expectations) {
    test(`${variant} → ${status} ${code}`, async () => {
      for (const [method, path, body] of routes()) {
        const headers: Record<string, string> = {
          authorization: variant === 'missing' ? '' : `Bearer ${tokens[variant]}`,
        };
        const response = await fetch(server.baseUrl + path, {
          method,
          headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        const json = await response.json();
        assert.equal(response.status, status, `${method} ${path}: ${JSON.stringify(json)}`);
        assert.equal(json.error.code, code);
        assert.ok(json.error.innerError['request-id']);
        if (status === 401) assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer /);
        if (variant !== 'missing') assert.ok(!JSON.stringify(json).includes(tokens[variant]!), 'the token was echoed');
      }
      const still = await server.call('GET', `/v1.0/identity/apiConnectors/${id}`);
      assert.equal(still.json.displayName, 'guarded', 'a refused request changed something');
    });
  }

  test('delegated tokens work with either directory role', async () => {
    for (const role of [GLOBAL_ADMINISTRATOR_ROLE, USER_FLOW_ADMINISTRATOR_ROLE]) {
      const token = await server.app.devToken({ scopes: [API_CONNECTORS_PERMISSION], directoryRoles: [role] });
      const response = await server.call('GET', `/v1.0/identity/apiConnectors/${id}`, undefined, {
        authorization: `Bearer ${token}`,
      });
      assert.equal(response.status, 200);
    }
  });

  test("tenants are isolated: another tenant's connector is a 404 and its list is empty", async () => {
    const other = { authorization: `Bearer ${await server.app.devToken({ tenantId: OTHER_TENANT })}` };
    assert.equal((await server.call('GET', `/v1.0/identity/apiConnectors/${id}`, undefined, other)).status, 404);
    assert.equal(
      (await server.call('PATCH', `/v1.0/identity/apiConnectors/${id}`, { displayName: 'x' }, other)).status,
      404,
    );
    assert.equal((await server.call('DELETE', `/v1.0/identity/apiConnectors/${id}`, undefined, other)).status, 404);
    assert.deepEqual((await server.call('GET', '/v1.0/identity/apiConnectors', undefined, other)).json.value, []);
    const mine = await server.call(
      'POST',
      '/v1.0/identity/apiConnectors',
      { displayName: 'theirs', targetUrl: 'https://a.com', authenticationConfiguration: BASIC },
      other,
    );
    assert.equal(mine.status, 201);
    const ownList = await server.call('GET', '/v1.0/identity/apiConnectors');
    assert.ok(!ownList.json.value.some((c: { id: string }) => c.id === mine.json.id));
  });
});

describe('@azure/identity + the official Graph client over HTTPS, end to end', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ store: 'sqlite', config: { https: true } });
  });
  after(async () => server?.close());

  test('ClientSecretCredential gets a token from the built-in issuer; the Graph client creates and uploads', async () => {
    assert.match(server.baseUrl, /^https:/);
    const caPem = server.app.tlsCaPem!;
    const credential = devClientCredential(server.baseUrl, caPem);
    const token = async () => (await credential.getToken('https://graph.microsoft.com/.default'))!.token;
    const graph = graphClient(server.baseUrl, token, httpsFetch(caPem));

    const created = await graph.api('/identity/apiConnectors').post({
      displayName: 'over https',
      targetUrl: 'https://someapi.com/api',
      authenticationConfiguration: BASIC,
    });
    const fixture = loadFixture('modern-rsa2048');
    const uploaded = await graph
      .api(`/identity/apiConnectors/${created.id}/uploadClientCertificate`)
      .post({ pkcs12Value: fixture.base64, password: fixture.password });
    assert.equal(uploaded.authenticationConfiguration.certificateList[0].thumbprint, fixture.expected.thumbprint);
    assert.equal(uploaded.authenticationConfiguration.certificateList[0].isActive, true);
  });
});
