// The validation matrix against the development issuer: every way a token can be wrong gives the right status,
// Graph error code and message, and no message ever repeats the token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  createAuthenticator,
  DEV_TENANT_ID,
  DevIssuer,
  GLOBAL_ADMINISTRATOR_ROLE,
  MSA_TENANT_ID,
  USER_FLOW_ADMINISTRATOR_ROLE,
  type DevTokenRequest,
} from '../../src/auth/index.js';
import { hmacWithPublicKey, startAuthTestApp, tempDir, unsignedToken, type AuthTestApp } from './helpers.js';

const PERMISSION = 'APIConnectors.ReadWrite.All';
const OTHER_TENANT = '22222222-2222-4222-8222-222222222222';
const USER_ADMINISTRATOR_ROLE = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const GRAPH_CHALLENGE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", ' +
  'client_id="00000003-0000-0000-c000-000000000000"';

function decodeClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('authenticator: validation matrix (development issuer)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let t: AuthTestApp;
  const token = (request: Partial<DevTokenRequest> = {}) =>
    t.devIssuer.issueToken({ tenantId: DEV_TENANT_ID, origin: t.baseUrl, ...request });

  before(async () => {
    dir = await tempDir();
    t = await startAuthTestApp({ dataDir: dir.path });
  });
  after(async () => {
    await t.close();
    await dir.remove();
  });

  async function expectFailure(
    authorization: string | undefined,
    status: 401 | 403,
    messagePart: RegExp,
  ): Promise<void> {
    const { status: actual, body, headers } = await t.probe(authorization);
    assert.equal(actual, status, JSON.stringify(body));
    assert.equal(body.error.code, status === 401 ? 'InvalidAuthenticationToken' : 'Authorization_RequestDenied');
    assert.match(body.error.message, messagePart);
    if (status === 401) assert.equal(headers.get('www-authenticate'), GRAPH_CHALLENGE);
    else assert.equal(headers.get('www-authenticate'), null);
    const presented = authorization?.replace(/^\S+\s+/, '') ?? '';
    for (const part of presented.split('.').filter((segment) => segment.length > 8)) {
      assert.ok(!body.error.message.includes(part), 'the message must not repeat the token');
    }
  }

  test('no Authorization header', () => expectFailure(undefined, 401, /^Access token is empty\.$/));
  test('empty bearer', () => expectFailure('Bearer ', 401, /^Access token is empty\.$/));
  test('another scheme', () => expectFailure('Basic dXNlcjpwYXNz', 401, /Bearer scheme/));
  test('garbage', () => expectFailure('Bearer not-a-jwt', 401, /^CompactToken parsing failed/));
  test('three segments of garbage', () => expectFailure('Bearer a.b.c', 401, /^CompactToken parsing failed/));

  test('bad signature (payload altered after signing)', async () => {
    const [header, , signature] = (await token()).split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeClaims(await token()), tid: OTHER_TENANT })).toString(
      'base64url',
    );
    await expectFailure(`Bearer ${header}.${forged}.${signature}`, 401, /Invalid signature/);
  });

  test('signed by another key that claims the development kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(decodeClaims(await token()))
      .setProtectedHeader({ alg: 'RS256', kid: t.devIssuer.kid })
      .sign(privateKey);
    await expectFailure(`Bearer ${forged}`, 401, /Invalid signature/);
  });

  test('alg none', () =>
    token().then((valid) =>
      expectFailure(`Bearer ${unsignedToken(decodeClaims(valid))}`, 401, /'none' is not accepted/),
    ));

  test('HS256 signed with the issuer public key', async () => {
    const claims = decodeClaims(await token());
    const forged = await hmacWithPublicKey(claims, t.devIssuer.jwks().keys[0]!, t.devIssuer.kid);
    await expectFailure(`Bearer ${forged}`, 401, /'HS256' is not accepted/);
  });

  test('expired', async () => {
    await expectFailure(
      `Bearer ${await token({ expiresInSeconds: -120 })}`,
      401,
      /^Access token has expired or is not yet valid\.$/,
    );
  });

  test('expired by less than the clock skew is still accepted', async () => {
    assert.equal((await t.probe(`Bearer ${await token({ expiresInSeconds: -30 })}`)).status, 200);
  });

  test('not yet valid', async () => {
    await expectFailure(
      `Bearer ${await token({ notBeforeInSeconds: 600 })}`,
      401,
      /^Access token has expired or is not yet valid\.$/,
    );
  });

  test('wrong audience', async () => {
    await expectFailure(
      `Bearer ${await token({ audience: 'https://management.azure.com' })}`,
      401,
      /Invalid audience 'https:\/\/management\.azure\.com'/,
    );
  });

  test('wrong issuer: the development key, but a host that is neither loopback nor configured', async () => {
    await expectFailure(`Bearer ${await token({ origin: 'https://evil.example' })}`, 401, /Invalid issuer/);
  });

  test('wrong issuer: Entra ID, which this server was not configured to trust', async () => {
    const claims = { ...decodeClaims(await token()), iss: `https://login.microsoftonline.com/${DEV_TENANT_ID}/v2.0` };
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const kid = (await exportJWK(publicKey)).n!.slice(0, 8);
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    await expectFailure(
      `Bearer ${foreign}`,
      401,
      /Invalid issuer: 'https:\/\/login\.microsoftonline\.com\/.*' is not a trusted/,
    );
  });

  test('application token without the permission', async () => {
    await expectFailure(
      `Bearer ${await token({ roles: ['User.Read.All'] })}`,
      403,
      /roles claim lacks the application permission APIConnectors\.ReadWrite\.All/,
    );
  });

  test('token with neither scp nor roles', async () => {
    await expectFailure(
      `Bearer ${await token({ roles: [] })}`,
      403,
      /^Either scp or roles claim need to be present in the token\.$/,
    );
  });

  test('delegated scope without a directory role', async () => {
    await expectFailure(
      `Bearer ${await token({ scopes: [PERMISSION], directoryRoles: [] })}`,
      403,
      /Global Administrator or External ID User Flow Administrator directory role/,
    );
  });

  test('delegated scope with an unrelated directory role', async () => {
    const bearer = `Bearer ${await token({ scopes: [PERMISSION], directoryRoles: [USER_ADMINISTRATOR_ROLE] })}`;
    await expectFailure(bearer, 403, /directory role/);
  });

  test('delegated with a directory role but another scope', async () => {
    const bearer = `Bearer ${await token({ scopes: ['User.Read'], directoryRoles: [GLOBAL_ADMINISTRATOR_ROLE] })}`;
    await expectFailure(bearer, 403, /scp claim lacks the delegated permission APIConnectors\.ReadWrite\.All/);
  });

  for (const [name, role] of [
    ['Global Administrator', GLOBAL_ADMINISTRATOR_ROLE],
    ['External ID User Flow Administrator', USER_FLOW_ADMINISTRATOR_ROLE],
  ] as const) {
    test(`delegated scope with ${name}`, async () => {
      const issued = await token({ scopes: ['User.Read', PERMISSION], directoryRoles: [role] });
      const { status, body } = await t.probe(`Bearer ${issued}`);
      assert.equal(status, 200);
      assert.deepEqual(body, { tenantId: DEV_TENANT_ID, subject: decodeClaims(issued).oid, kind: 'user' });
    });
  }

  test('personal Microsoft account tenant', async () => {
    await expectFailure(
      `Bearer ${await token({ tenantId: MSA_TENANT_ID })}`,
      403,
      /Personal Microsoft accounts are not supported/,
    );
  });

  test('application token: the principal carries the token tenant, for any tenant', async () => {
    for (const tenantId of [DEV_TENANT_ID, OTHER_TENANT]) {
      const issued = await token({ tenantId });
      const { status, body } = await t.probe(`Bearer ${issued}`);
      assert.equal(status, 200);
      assert.deepEqual(body, { tenantId, subject: decodeClaims(issued).oid, kind: 'app' });
    }
  });

  test("Graph's app id and this server's own URL are accepted audiences", async () => {
    for (const audience of ['00000003-0000-0000-c000-000000000000', t.baseUrl, `${t.baseUrl}/`]) {
      assert.equal((await t.probe(`Bearer ${await token({ audience })}`)).status, 200, audience);
    }
  });
});

describe('authenticator: verified-token cache and clock', () => {
  test('caches decisions by digest until the token expires, on the injected clock', async () => {
    const dir = await tempDir();
    try {
      let nowMs = Date.UTC(2030, 0, 1);
      const devIssuer = await DevIssuer.open({ dataDir: dir.path, now: () => nowMs });
      const authenticator = createAuthenticator({ devIssuer, now: () => nowMs, clockSkewSeconds: 60 });
      const issued = await devIssuer.issueToken({ tenantId: DEV_TENANT_ID, expiresInSeconds: 300 });
      assert.equal((await authenticator.authenticate(`Bearer ${issued}`)).tenantId, DEV_TENANT_ID);
      assert.equal(authenticator.cacheSize, 1);
      assert.equal((await authenticator.authenticate(`Bearer ${issued}`)).kind, 'app');
      assert.equal(authenticator.cacheSize, 1);
      // The key is the header as sent: another spelling of the same token is verified (and cached) on its own.
      assert.equal((await authenticator.authenticate(`bearer  ${issued}`)).tenantId, DEV_TENANT_ID);
      assert.equal(authenticator.cacheSize, 2);
      for (const malformed of [`Bearer ${issued} extra`, `Basic ${issued}`, 'Bearer', '']) {
        await assert.rejects(authenticator.authenticate(malformed), { status: 401 }, malformed);
        await assert.rejects(authenticator.authenticate(malformed), { status: 401 }, `${malformed} (again)`);
      }
      assert.equal(authenticator.cacheSize, 2, 'headers that do not parse are never cached');

      nowMs += 300_000 + 59_000; // inside the skew
      assert.equal((await authenticator.authenticate(`Bearer ${issued}`)).kind, 'app');
      nowMs += 2_000; // past exp + skew: the cached entry must not be used
      await assert.rejects(authenticator.authenticate(`Bearer ${issued}`), {
        status: 401,
        message: 'Access token has expired or is not yet valid.',
      });
    } finally {
      await dir.remove();
    }
  });

  test('a bounded cache evicts the least recently used entry', async () => {
    const dir = await tempDir();
    try {
      const devIssuer = await DevIssuer.open({ dataDir: dir.path });
      const authenticator = createAuthenticator({ devIssuer, cacheMaxEntries: 2 });
      for (let i = 0; i < 4; i += 1) {
        await authenticator.authenticate(`Bearer ${await devIssuer.issueToken({ tenantId: DEV_TENANT_ID })}`);
      }
      assert.equal(authenticator.cacheSize, 2);
    } finally {
      await dir.remove();
    }
  });

  test('refuses to start without any trusted issuer', () => {
    assert.throws(() => createAuthenticator({}), /No trusted token issuer/);
  });
});
