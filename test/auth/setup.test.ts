// createAuth: the settings the server passes in, turned into an authenticator (and the dev issuer in development).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuth, DEV_TENANT_ID } from '../../src/auth/index.js';
import { appClaims, startJwksServer, tempDir } from './helpers.js';

describe('createAuth', () => {
  test('development: the built-in issuer is on, and public URLs count as issuer origins and audiences', async () => {
    const dir = await tempDir();
    try {
      const { authenticator, devIssuer } = await createAuth({
        mode: 'development',
        dataDir: dir.path,
        publicUrls: ['https://api-connectors.internal:8443'],
      });
      assert.ok(devIssuer);
      const token = await devIssuer.issueToken({
        tenantId: DEV_TENANT_ID,
        origin: 'https://api-connectors.internal:8443',
        audience: 'https://api-connectors.internal:8443',
      });
      assert.equal((await authenticator.authenticate(`Bearer ${token}`)).tenantId, DEV_TENANT_ID);
    } finally {
      await dir.remove();
    }
  });

  test('production: trusted issuers are required, the development issuer is off', async () => {
    const dir = await tempDir();
    const entra = await startJwksServer();
    try {
      await assert.rejects(createAuth({ mode: 'production', dataDir: dir.path }), /needs trusted issuers/);
      const trusted = JSON.stringify([{ issuer: entra.issuerTemplate, jwksUri: entra.jwksUri }]);
      const { authenticator, devIssuer } = await createAuth({
        mode: 'production',
        dataDir: dir.path,
        trustedIssuers: trusted,
        audiences: ['api://api-connectors'],
      });
      assert.equal(devIssuer, undefined);
      const token = await entra.sign(
        appClaims(entra.issuerFor(DEV_TENANT_ID), DEV_TENANT_ID, { aud: 'api://api-connectors' }),
      );
      assert.equal((await authenticator.authenticate(`Bearer ${token}`)).kind, 'app');
      const loopbackDevToken = await entra.sign(appClaims(`http://localhost/${DEV_TENANT_ID}/v2.0`, DEV_TENANT_ID));
      await assert.rejects(authenticator.authenticate(`Bearer ${loopbackDevToken}`), { status: 401 });
    } finally {
      await entra.close();
      await dir.remove();
    }
  });
});
