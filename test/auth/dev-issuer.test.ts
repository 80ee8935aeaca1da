// The development issuer: its key file, its directory config, and its Entra-shaped HTTP endpoints.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import {
  DEV_CLIENT_ID,
  DEV_CLIENT_SECRET,
  DEV_SIGNING_KEY_FILE,
  DEV_TENANT_DOMAIN,
  DEV_TENANT_ID,
  DevIssuer,
  parseDevDirectory,
} from '../../src/auth/index.js';
import { startAuthTestApp, tempDir, type AuthTestApp } from './helpers.js';

const CI_TENANT = '55555555-5555-4555-8555-555555555555';
const CI_CLIENT = '66666666-6666-4666-8666-666666666666';
const CI_SECRET = 'ci-client-secret-value';

describe('development issuer: signing key', () => {
  test('created on first start with mode 0600, reused afterwards, kid = JWK thumbprint', async () => {
    const dir = await tempDir();
    try {
      const [first, second, third] = await Promise.all([1, 2, 3].map(() => DevIssuer.open({ dataDir: dir.path })));
      assert.equal(second!.kid, first!.kid, 'concurrent starts agree on one key');
      assert.equal(third!.kid, first!.kid);
      const file = join(dir.path, DEV_SIGNING_KEY_FILE);
      if (process.platform !== 'win32') assert.equal((await stat(file)).mode & 0o777, 0o600);
      const reopened = await DevIssuer.open({ dataDir: dir.path });
      assert.equal(reopened.kid, first!.kid);
      const publicJwk = reopened.jwks().keys[0]!;
      assert.equal(await calculateJwkThumbprint(publicJwk), reopened.kid);
      assert.equal(publicJwk.d, undefined, 'the JWKS holds no private part');
    } finally {
      await dir.remove();
    }
  });
});

describe('development issuer: directory config', () => {
  test('adds tenants and clients; errors name the key', () => {
    const directory = parseDevDirectory({
      tenants: [{ id: CI_TENANT, domains: ['CI.onmicrosoft.com'] }],
      clients: [{ clientId: CI_CLIENT, clientSecret: CI_SECRET, tenantIds: [CI_TENANT, DEV_TENANT_ID], roles: [] }],
    });
    assert.deepEqual(
      directory.tenants.map((tenant) => tenant.id),
      [DEV_TENANT_ID, CI_TENANT],
    );
    assert.deepEqual(directory.tenants[1]!.domains, ['ci.onmicrosoft.com']);
    assert.deepEqual(directory.clients[1]!.roles, []);
    assert.throws(
      () => parseDevDirectory({ clients: [{ clientId: 'x', clientSecret: CI_SECRET }] }),
      /clients\[0\]\.clientId must be a GUID/,
    );
    assert.throws(
      () => parseDevDirectory({ clients: [{ clientId: CI_CLIENT, clientSecret: 'short' }] }),
      /clients\[0\]\.clientSecret/,
    );
    assert.throws(
      () => parseDevDirectory({ clients: [{ clientId: DEV_CLIENT_ID, clientSecret: CI_SECRET }] }),
      /already defined/,
    );
    assert.throws(() => parseDevDirectory({ client: [] }), /client is not a known key/);
    assert.throws(
      () => parseDevDirectory({ clients: [{ clientId: CI_CLIENT, clientSecret: CI_SECRET, role: [] }] }),
      /clients\[0\]\.role is not a known key/,
    );
  });

  test('a config file that is not JSON is refused without quoting it', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'issuer.json');
      await writeFile(path, '{ "clients": [ { "clientSecret": "do-not-print-me" ');
      await assert.rejects(DevIssuer.open({ dataDir: dir.path, configPath: path }), (error: Error) => {
        assert.match(error.message, /is not valid JSON/);
        assert.ok(!error.message.includes('do-not-print-me'));
        return true;
      });
    } finally {
      await dir.remove();
    }
  });
});

describe('development issuer: HTTP endpoints', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let t: AuthTestApp;

  before(async () => {
    dir = await tempDir();
    const configPath = join(dir.path, 'issuer.json');
    await writeFile(
      configPath,
      JSON.stringify({
        tenants: [{ id: CI_TENANT, domains: ['ci.onmicrosoft.com'] }],
        clients: [{ clientId: CI_CLIENT, clientSecret: CI_SECRET, tenantId: CI_TENANT, displayName: 'CI' }],
      }),
    );
    t = await startAuthTestApp({ dataDir: dir.path, devConfigPath: configPath });
  });
  after(async () => {
    await t.close();
    await dir.remove();
  });

  // Over real HTTP, so that the issuer sees the host and port a client would use.
  async function tokenRequest(tenant: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await fetch(`${t.baseUrl}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    return { status: response.status, body: (await response.json()) as any, headers: response.headers };
  }
  const getJson = async (path: string) => {
    const response = await fetch(`${t.baseUrl}${path}`);
    return { status: response.status, body: (await response.json()) as any };
  };

  const devForm = {
    grant_type: 'client_credentials',
    client_id: DEV_CLIENT_ID,
    client_secret: DEV_CLIENT_SECRET,
    scope: 'https://graph.microsoft.com/.default',
  };

  test('client credentials: an Entra-shaped token response whose token the authenticator accepts', async () => {
    const { status, body, headers } = await tokenRequest(DEV_TENANT_ID, devForm);
    assert.equal(status, 200);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3599);
    assert.equal(body.ext_expires_in, 3599);
    assert.match(String(headers.get('cache-control')), /no-store/);
    const principal = await t.authenticator.authenticate(`Bearer ${body.access_token}`);
    assert.equal(principal.tenantId, DEV_TENANT_ID);
    assert.equal(principal.kind, 'app');
  });

  test('the tenant may be named by its domain; HTTP Basic client authentication works too', async () => {
    const basic = Buffer.from(`${CI_CLIENT}:${CI_SECRET}`).toString('base64');
    const { status, body } = await tokenRequest(
      'ci.onmicrosoft.com',
      { grant_type: 'client_credentials', scope: `${t.baseUrl}/.default` },
      { authorization: `Basic ${basic}` },
    );
    assert.equal(status, 200, JSON.stringify(body));
    const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString());
    assert.equal(claims.tid, CI_TENANT);
    assert.equal(claims.aud, t.baseUrl, "Kiota's <server>/.default scope yields the server's URL as audience");
    assert.equal(claims.iss, `${t.baseUrl}/${CI_TENANT}/v2.0`);
    assert.equal(claims.app_displayname, 'CI');
    assert.equal((await t.authenticator.authenticate(`Bearer ${body.access_token}`)).tenantId, CI_TENANT);
  });

  const failures: [string, string, Record<string, string>, number, string, number][] = [
    ['wrong secret', DEV_TENANT_ID, { ...devForm, client_secret: 'wrong-secret-1234' }, 401, 'invalid_client', 7000215],
    ['missing secret', DEV_TENANT_ID, { ...devForm, client_secret: '' }, 401, 'invalid_client', 7000218],
    ['unknown client', DEV_TENANT_ID, { ...devForm, client_id: CI_TENANT }, 400, 'unauthorized_client', 700016],
    [
      'client of another tenant',
      DEV_TENANT_ID,
      { ...devForm, client_id: CI_CLIENT, client_secret: CI_SECRET },
      400,
      'unauthorized_client',
      700016,
    ],
    ['unknown tenant', 'nobody.onmicrosoft.com', devForm, 400, 'invalid_tenant', 90002],
    ['multi-tenant alias', 'common', devForm, 400, 'invalid_request', 50059],
    ['missing client_id', DEV_TENANT_ID, { ...devForm, client_id: '' }, 400, 'invalid_request', 900144],
    ['password grant', DEV_TENANT_ID, { ...devForm, grant_type: 'password' }, 400, 'unsupported_grant_type', 70003],
    ['missing scope', DEV_TENANT_ID, { ...devForm, scope: '' }, 400, 'invalid_request', 900144],
    ['scope without /.default', DEV_TENANT_ID, { ...devForm, scope: 'User.Read' }, 400, 'invalid_scope', 1002012],
    [
      'unknown resource',
      DEV_TENANT_ID,
      { ...devForm, scope: 'https://vault.azure.net/.default' },
      400,
      'invalid_resource',
      500011,
    ],
  ];
  for (const [name, tenant, form, status, error, code] of failures) {
    test(`token endpoint error: ${name}`, async () => {
      const response = await tokenRequest(tenant, form, {
        'client-request-id': '77777777-7777-4777-8777-777777777777',
      });
      assert.equal(response.status, status, JSON.stringify(response.body));
      assert.equal(response.body.error, error);
      assert.deepEqual(response.body.error_codes, [code]);
      assert.match(
        response.body.error_description,
        new RegExp(
          `^AADSTS${code}: .+\\r\\nTrace ID: .+\\r\\nCorrelation ID: 77777777-7777-4777-8777-777777777777\\r\\nTimestamp: `,
        ),
      );
      assert.match(response.body.timestamp, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
      assert.equal(response.body.correlation_id, '77777777-7777-4777-8777-777777777777');
      assert.equal(typeof response.body.trace_id, 'string');
      assert.ok(!JSON.stringify(response.body).includes(form.client_secret || '\u0000'), 'never echoes the secret');
    });
  }

  test('malformed Basic client credentials are an invalid_client, not a crash', async () => {
    const garbled = Buffer.from(`${DEV_CLIENT_ID}:%E0%A4%A`).toString('base64');
    const response = await tokenRequest(
      DEV_TENANT_ID,
      { grant_type: 'client_credentials', scope: devForm.scope },
      { authorization: `Basic ${garbled}` },
    );
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'invalid_client');
  });

  test('a JSON body is not a token request (as on Entra)', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/${DEV_TENANT_ID}/oauth2/v2.0/token`,
      payload: devForm,
    });
    assert.equal(response.statusCode, 400);
    assert.match(response.json().error_description, /'grant_type'/);
  });

  test('a host that is neither loopback nor a configured origin is refused; configured origins work', async () => {
    const asApi = (host: string) =>
      t.app.inject({
        method: 'POST',
        url: `/${DEV_TENANT_ID}/oauth2/v2.0/token`,
        headers: { host, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(devForm).toString(),
      });
    const refused = await asApi('api.example:8443');
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(refused.json().error_codes, [50049]);
    t.devIssuer.addOrigin('http://api.example:8443');
    const accepted = await asApi('api.example:8443');
    assert.equal(accepted.statusCode, 200);
    const principal = await t.authenticator.authenticate(`Bearer ${accepted.json().access_token}`);
    assert.equal(principal.tenantId, DEV_TENANT_ID);
  });

  test('OpenID configuration and keys, per tenant (GUID or domain) and for common', async () => {
    const config = (await getJson(`/${DEV_TENANT_DOMAIN}/v2.0/.well-known/openid-configuration`)).body;
    assert.equal(config.issuer, `${t.baseUrl}/${DEV_TENANT_ID}/v2.0`);
    assert.equal(config.token_endpoint, `${t.baseUrl}/${DEV_TENANT_ID}/oauth2/v2.0/token`);
    assert.equal(config.jwks_uri, `${t.baseUrl}/${DEV_TENANT_ID}/discovery/v2.0/keys`);
    assert.ok(config.authorization_endpoint);
    const common = (await getJson('/common/v2.0/.well-known/openid-configuration')).body;
    assert.equal(common.issuer, `${t.baseUrl}/{tenantid}/v2.0`);
    for (const path of [`/${DEV_TENANT_ID}/discovery/v2.0/keys`, '/common/discovery/keys']) {
      const keys = (await getJson(path)).body;
      assert.equal(keys.keys.length, 1);
      assert.equal(keys.keys[0].kid, t.devIssuer.kid);
      assert.equal(keys.keys[0].kty, 'RSA');
      assert.equal(keys.keys[0].d, undefined);
    }
    const unknown = await getJson('/nobody.example/v2.0/.well-known/openid-configuration');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'invalid_tenant');
  });

  test('the start-up banner shows the well-known client, never configured secrets', () => {
    const text = t.devIssuer.banner(t.baseUrl).join('\n');
    assert.ok(text.includes(DEV_CLIENT_ID) && text.includes(DEV_CLIENT_SECRET) && text.includes(t.baseUrl));
    assert.ok(!text.includes(CI_SECRET));
    assert.match(text, /plus 1 client\(s\) from the issuer config file/);
  });

  test('instance discovery answers for this host', async () => {
    const authorize = encodeURIComponent(`${t.baseUrl}/${DEV_TENANT_ID}/oauth2/v2.0/authorize`);
    const response = (await getJson(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorize}`))
      .body;
    assert.equal(
      response.tenant_discovery_endpoint,
      `${t.baseUrl}/${DEV_TENANT_ID}/v2.0/.well-known/openid-configuration`,
    );
    assert.deepEqual(response.metadata[0].aliases, [new URL(t.baseUrl).host]);
  });
});
