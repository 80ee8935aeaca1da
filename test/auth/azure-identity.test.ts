// @azure/identity's ClientSecretCredential, with this server as its authority host over HTTPS (development CA
// trusted by the test), gets tokens that the authenticator accepts: the path the official SDKs take.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEV_TENANT_ID } from '../../src/auth/index.js';
import { devClientCredential, httpsFetch, startAuthTestApp, tempDir, type AuthTestApp } from './helpers.js';

describe('@azure/identity ClientSecretCredential against the development issuer', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let t: AuthTestApp;

  before(async () => {
    dir = await tempDir();
    t = await startAuthTestApp({ dataDir: dir.path, https: true });
  });
  after(async () => {
    await t.close();
    await dir.remove();
  });

  test('a Graph-scoped token, used over HTTPS, authenticates as the development client', async () => {
    const credential = devClientCredential(t.baseUrl, t.caPem!);
    const accessToken = await credential.getToken('https://graph.microsoft.com/.default');
    assert.ok(accessToken.expiresOnTimestamp > Date.now() + 3_000_000);
    const response = await httpsFetch(t.caPem!)(`${t.baseUrl}/probe`, {
      headers: { authorization: `Bearer ${accessToken.token}` },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      tenantId: DEV_TENANT_ID,
      subject: JSON.parse(Buffer.from(accessToken.token.split('.')[1]!, 'base64url').toString()).oid,
      kind: 'app',
    });
  });

  test("Kiota's default scope (<server>/.default) also works", async () => {
    const accessToken = await devClientCredential(t.baseUrl, t.caPem!).getToken(`${t.baseUrl}/.default`);
    assert.equal((await t.probe(`Bearer ${accessToken.token}`)).status, 200);
  });

  test('a wrong secret surfaces the Entra error, without the secret', async () => {
    const secret = 'definitely-the-wrong-secret';
    const credential = devClientCredential(t.baseUrl, t.caPem!, { clientSecret: secret });
    await assert.rejects(credential.getToken('https://graph.microsoft.com/.default'), (error: Error) => {
      assert.match(error.message, /AADSTS7000215: Invalid client secret provided/);
      assert.ok(!error.message.includes(secret));
      return true;
    });
  });
});
