// `api-connectors token` prints tokens that an authenticator on the same data dir accepts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  createAuthenticator,
  DEV_TENANT_ID,
  DevIssuer,
  USER_FLOW_ADMINISTRATOR_ROLE,
  type ServerAuthenticator,
} from '../../src/auth/index.js';
import { tokenRequestFrom } from '../../src/cli/token.js';
import { tempDir } from './helpers.js';

const run = promisify(execFile);
// Registers only the token command, so the test does not depend on the rest of the CLI.
const CLI = [
  '--import',
  'tsx',
  '--input-type=module',
  '-e',
  `import { Command } from 'commander';
   import { registerToken } from './src/cli/token.ts';
   const program = new Command('api-connectors').exitOverride();
   registerToken(program);
   await program.parseAsync(process.argv.slice(1), { from: 'user' });`,
];

async function cliToken(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [...CLI, 'token', ...args], { cwd: process.cwd() });
  return stdout.trim();
}

describe('api-connectors token', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let authenticator: ServerAuthenticator;

  before(async () => {
    dir = await tempDir();
    // The CLI runs first on a fresh data dir: it creates the signing key the server then loads.
    const token = await cliToken('--data-dir', dir.path);
    authenticator = createAuthenticator({ devIssuer: await DevIssuer.open({ dataDir: dir.path }) });
    assert.equal((await authenticator.authenticate(`Bearer ${token}`)).tenantId, DEV_TENANT_ID);
  });
  after(() => dir.remove());

  test('default: an application token of the development tenant with APIConnectors.ReadWrite.All', async () => {
    const token = await cliToken('--data-dir', dir.path);
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.deepEqual(
      { ...(await authenticator.authenticate(`Bearer ${token}`)), subject: 'x' },
      { tenantId: DEV_TENANT_ID, subject: 'x', kind: 'app' },
    );
  });

  test('delegated token with a directory role alias, another tenant', async () => {
    const tenant = '88888888-8888-4888-8888-888888888888';
    const token = await cliToken(
      '--data-dir',
      dir.path,
      '--tenant',
      tenant,
      '--scope',
      'APIConnectors.ReadWrite.All',
      '--directory-role',
      'user-flow-administrator',
    );
    const principal = await authenticator.authenticate(`Bearer ${token}`);
    assert.equal(principal.kind, 'user');
    assert.equal(principal.tenantId, tenant);
  });

  test('negative --expires-in gives an expired token; --role "" a token without permissions', async () => {
    const expired = await cliToken('--data-dir', dir.path, '--expires-in', '-120');
    await assert.rejects(authenticator.authenticate(`Bearer ${expired}`), {
      status: 401,
      message: 'Access token has expired or is not yet valid.',
    });
    const bare = await cliToken('--data-dir', dir.path, '--role', '');
    await assert.rejects(authenticator.authenticate(`Bearer ${bare}`), {
      status: 403,
      message: 'Either scp or roles claim need to be present in the token.',
    });
  });

  test('option mapping', () => {
    const base = { tenant: DEV_TENANT_ID, expiresIn: '60', notBefore: '0', origin: 'http://localhost' };
    assert.deepEqual(tokenRequestFrom({ ...base, directoryRole: ['USER-FLOW-ADMINISTRATOR'] }).directoryRoles, [
      USER_FLOW_ADMINISTRATOR_ROLE,
    ]);
    assert.deepEqual(tokenRequestFrom({ ...base, directoryRole: [] }).scopes, ['APIConnectors.ReadWrite.All']);
    assert.deepEqual(tokenRequestFrom({ ...base, role: ['A', 'B'] }).roles, ['A', 'B']);
    assert.throws(() => tokenRequestFrom({ ...base, tenant: 'contoso' }), /--tenant must be a tenant id/);
    assert.throws(() => tokenRequestFrom({ ...base, expiresIn: '1h' }), /--expires-in must be a whole number/);
    assert.throws(() => tokenRequestFrom({ ...base, directoryRole: ['admin'] }), /--directory-role takes/);
  });
});
