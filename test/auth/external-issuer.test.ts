// A second, independent issuer standing in for Entra ID (its own key, its own URL, a JWKS served over HTTP)
// is trusted through configuration only; its keys are fetched, cached and rotated.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createAuthenticator,
  entraIssuers,
  IssuerUnavailableError,
  loadTrustedIssuers,
  parseTrustedIssuers,
  type ServerAuthenticator,
} from '../../src/auth/index.js';
import { appClaims, startJwksServer, type JwksServer } from './helpers.js';

const TENANT_A = '33333333-3333-4333-8333-333333333333';
const TENANT_B = '44444444-4444-4444-8444-444444444444';

describe('trusted external issuer (Entra stand-in)', () => {
  let entra: JwksServer;
  let authenticator: ServerAuthenticator;

  before(async () => {
    entra = await startJwksServer();
    const trustedIssuers = parseTrustedIssuers([{ issuer: entra.issuerTemplate, jwksUri: entra.jwksUri }]);
    // cooldown 0: a token with an unknown kid may trigger a refetch at once (rotation test).
    authenticator = createAuthenticator({ trustedIssuers, jwks: { cooldownMs: 0 } });
  });
  after(() => entra.close());

  test('its tokens validate, scoped to their tid', async () => {
    const token = await entra.sign(appClaims(entra.issuerFor(TENANT_A), TENANT_A));
    assert.deepEqual(await authenticator.authenticate(`Bearer ${token}`), {
      tenantId: TENANT_A,
      subject: '11111111-1111-4111-8111-111111111111',
      kind: 'app',
    });
  });

  test("the tenant in the issuer URL must equal the token's tid", async () => {
    const token = await entra.sign(appClaims(entra.issuerFor(TENANT_A), TENANT_B));
    await assert.rejects(authenticator.authenticate(`Bearer ${token}`), {
      status: 401,
      code: 'InvalidAuthenticationToken',
      message: /issuer's tenant does not match the token's tid/,
    });
  });

  test('the development issuer is not trusted when only an external issuer is configured', async () => {
    const token = await entra.sign(appClaims(`http://127.0.0.1:1/${TENANT_A}/v2.0`, TENANT_A));
    await assert.rejects(authenticator.authenticate(`Bearer ${token}`), { status: 401, message: /Invalid issuer/ });
  });

  test('key rotation: a token with a new kid makes the authenticator fetch the new key set', async () => {
    const oldKid = entra.kid;
    const unseenOldToken = await entra.sign(appClaims(entra.issuerFor(TENANT_B), TENANT_B));
    const fetchesBefore = entra.fetches;
    await entra.rotate();
    assert.notEqual(entra.kid, oldKid);
    const rotated = await entra.sign(appClaims(entra.issuerFor(TENANT_A), TENANT_A, { oid: 'rotated' }));
    assert.equal((await authenticator.authenticate(`Bearer ${rotated}`)).subject, 'rotated');
    assert.ok(entra.fetches > fetchesBefore, 'the new key set was downloaded');
    // The old key left the JWKS: a token signed with it (and never seen before) no longer verifies.
    await assert.rejects(authenticator.authenticate(`Bearer ${unseenOldToken}`), {
      status: 401,
      message: /signing key \(kid\) is not one of its issuer's keys/,
    });
  });

  test('Entra issuer forms (v2 and v1) with their tenant template', async () => {
    const entraLike = createAuthenticator({ trustedIssuers: entraIssuers({ jwksUri: entra.jwksUri }) });
    for (const iss of [`https://login.microsoftonline.com/${TENANT_A}/v2.0`, `https://sts.windows.net/${TENANT_A}/`]) {
      const token = await entra.sign(appClaims(iss, TENANT_A, { aud: '00000003-0000-0000-c000-000000000000' }));
      assert.equal((await entraLike.authenticate(`Bearer ${token}`)).tenantId, TENANT_A, iss);
    }
    const mismatched = await entra.sign(appClaims(`https://sts.windows.net/${TENANT_B}/`, TENANT_A));
    await assert.rejects(entraLike.authenticate(`Bearer ${mismatched}`), { status: 401 });
  });

  test('tenants can be restricted per issuer', async () => {
    const restricted = createAuthenticator({
      trustedIssuers: parseTrustedIssuers([
        { issuer: entra.issuerTemplate, jwksUri: entra.jwksUri, tenants: [TENANT_A] },
      ]),
    });
    const allowed = await entra.sign(appClaims(entra.issuerFor(TENANT_A), TENANT_A));
    const refused = await entra.sign(appClaims(entra.issuerFor(TENANT_B), TENANT_B));
    assert.equal((await restricted.authenticate(`Bearer ${allowed}`)).tenantId, TENANT_A);
    await assert.rejects(restricted.authenticate(`Bearer ${refused}`), { status: 401, message: /is not trusted/ });
  });

  test('a plain OIDC issuer: JWKS found by discovery, tenant from configuration', async () => {
    const oidc = createAuthenticator({
      trustedIssuers: await loadTrustedIssuers(JSON.stringify([{ issuer: entra.oidcIssuer, tenantId: TENANT_B }])),
      audiences: ['https://api-connectors.example'],
    });
    const claims: Record<string, unknown> = appClaims(entra.oidcIssuer, TENANT_B, {
      aud: 'https://api-connectors.example',
    });
    delete claims.tid;
    assert.equal((await oidc.authenticate(`Bearer ${await entra.sign(claims)}`)).tenantId, TENANT_B);
  });

  test('configuration errors name the offending key', () => {
    assert.throws(
      () => parseTrustedIssuers([{ issuer: 'https://idp.example/{tenantid}/v2.0' }]),
      /\[0\]\.jwksUri is required when the issuer contains \{tenantid\}/,
    );
    assert.throws(
      () => parseTrustedIssuers([{ issuer: 'ftp://idp.example' }]),
      /\[0\]\.issuer must be an http\(s\) URL/,
    );
    assert.throws(() => parseTrustedIssuers({ issuers: ['entra', 42] }), /\[1\] must be "entra" or an object/);
    assert.equal(parseTrustedIssuers('entra').length, 2);
  });
});

describe('verified tokens survive an issuer outage; new ones are a 503, not a 401', () => {
  test('cache hit without the JWKS endpoint; a new token gets IssuerUnavailableError', async () => {
    const entra = await startJwksServer();
    const authenticator = createAuthenticator({
      trustedIssuers: [{ issuer: entra.issuerTemplate, jwksUri: entra.jwksUri }],
      jwks: { timeoutMs: 2_000 },
    });
    const seen = await entra.sign(appClaims(entra.issuerFor(TENANT_A), TENANT_A));
    const unseen = await entra.sign(appClaims(entra.issuerFor(TENANT_A), TENANT_A, { oid: 'unseen' }));
    await authenticator.authenticate(`Bearer ${seen}`);
    const fetches = entra.fetches;
    await entra.close();

    assert.equal((await authenticator.authenticate(`Bearer ${seen}`)).tenantId, TENANT_A);
    assert.equal(entra.fetches, fetches);
    // The key set is still in jose's cache, so even the unseen token verifies without the network...
    assert.equal((await authenticator.authenticate(`Bearer ${unseen}`)).subject, 'unseen');
    // ...but a fresh authenticator (cold caches) cannot reach the keys: a server-side failure.
    const cold = createAuthenticator({
      trustedIssuers: [{ issuer: entra.issuerTemplate, jwksUri: entra.jwksUri }],
      jwks: { timeoutMs: 2_000 },
    });
    await assert.rejects(cold.authenticate(`Bearer ${unseen}`), (error: unknown) => {
      assert.ok(error instanceof IssuerUnavailableError);
      assert.equal(error.statusCode, 503);
      return true;
    });
  });
});
