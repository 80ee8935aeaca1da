// HTTPS material: a development CA and server certificate generated once in DATA_DIR/tls, or the operator's files.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadTlsOptions, tlsPaths } from '../../src/http/tls.js';
import { tempDir } from './helpers.js';

const FIXTURE_PFX = join(process.cwd(), 'test/fixtures/pkcs12/modern-rsa2048.pfx');

async function handshake(serverOptions: object, ca: string, host = '127.0.0.1'): Promise<number> {
  const server = createServer(serverOptions, (_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<number>((resolve, reject) => {
      get(
        { host: '127.0.0.1', servername: host === '127.0.0.1' ? undefined : host, port, ca, path: '/' },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      ).on('error', reject);
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('development TLS material', () => {
  test('generated on first start (keys 0600), trusted through the CA, reused afterwards', async () => {
    const dir = await tempDir();
    try {
      const first = await loadTlsOptions({ dataDir: dir.path });
      assert.equal(first.generated, true);
      const paths = tlsPaths(dir.path);
      assert.equal(first.caPath, paths.caCert);
      assert.equal(await readFile(paths.caCert, 'utf8'), first.caPem);
      if (process.platform !== 'win32') {
        assert.equal((await stat(paths.caKey)).mode & 0o777, 0o600);
        assert.equal((await stat(paths.serverKey)).mode & 0o777, 0o600);
      }
      assert.ok('cert' in first.serverOptions);
      const leaf = new X509Certificate(first.serverOptions.cert);
      assert.ok(leaf.checkIssued(new X509Certificate(first.caPem!)));
      assert.ok(leaf.checkIP('127.0.0.1') && leaf.checkIP('::1') && leaf.checkHost('localhost'));
      assert.equal(await handshake(first.serverOptions, first.caPem!), 200);
      assert.equal(await handshake(first.serverOptions, first.caPem!, 'localhost'), 200);

      const again = await loadTlsOptions({ dataDir: dir.path });
      assert.equal(again.generated, false);
      assert.deepEqual(again.serverOptions, first.serverOptions);
    } finally {
      await dir.remove();
    }
  });

  test('new host names re-issue the server certificate under the same CA', async () => {
    const dir = await tempDir();
    try {
      const first = await loadTlsOptions({ dataDir: dir.path });
      const renamed = await loadTlsOptions({ dataDir: dir.path, hostnames: ['api-connectors.test', '10.1.2.3'] });
      assert.equal(renamed.generated, true);
      assert.equal(renamed.caPem, first.caPem);
      assert.ok('cert' in renamed.serverOptions);
      const leaf = new X509Certificate(renamed.serverOptions.cert);
      assert.ok(leaf.checkHost('api-connectors.test') && leaf.checkIP('10.1.2.3') && leaf.checkHost('localhost'));
      assert.equal(await handshake(renamed.serverOptions, first.caPem!, 'api-connectors.test'), 200);
    } finally {
      await dir.remove();
    }
  });
});

describe("operator's TLS material", () => {
  test('PEM certificate and key files; a mismatched pair is refused at start-up', async () => {
    const dir = await tempDir();
    try {
      await loadTlsOptions({ dataDir: dir.path });
      const paths = tlsPaths(dir.path);
      const given = await loadTlsOptions({ dataDir: dir.path, cert: paths.serverCert, key: paths.serverKey });
      assert.equal(given.generated, false);
      assert.equal(given.caPath, paths.serverCert);
      await assert.rejects(
        loadTlsOptions({ dataDir: dir.path, cert: paths.caCert, key: paths.serverKey }),
        /not a matching/,
      );
      await assert.rejects(
        loadTlsOptions({ dataDir: dir.path, cert: paths.caCert }),
        /--cert and --key must be given together/,
      );
    } finally {
      await dir.remove();
    }
  });

  test('PKCS#12 with its password; a wrong password is refused without repeating it', async () => {
    const dir = await tempDir();
    try {
      const loaded = await loadTlsOptions({ dataDir: dir.path, pfx: FIXTURE_PFX, pfxPassword: 'Fixture-Pass-1' });
      assert.ok('pfx' in loaded.serverOptions);
      assert.equal(loaded.serverOptions.passphrase, 'Fixture-Pass-1');
      await assert.rejects(
        loadTlsOptions({ dataDir: dir.path, pfx: FIXTURE_PFX, pfxPassword: 'not-the-password' }),
        (error: Error) => {
          assert.match(error.message, /cannot be loaded/);
          assert.ok(!error.message.includes('not-the-password'));
          return true;
        },
      );
    } finally {
      await dir.remove();
    }
  });
});
