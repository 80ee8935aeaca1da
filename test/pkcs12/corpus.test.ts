// Every fixture decodes to exactly what openssl says about it (test/fixtures/pkcs12/manifest.json),
// or is refused with the code the manifest names.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { closeKdfWorkers, decodePkcs12, Pkcs12Error } from '../../src/pkcs12/index.js';
import { fixtureNames, loadFixture } from '../fixtures/index.js';

after(() => closeKdfWorkers());

// Fixed instant for warnings: 2026-06-01, inside every "normal" fixture's validity (2025-2045).
const NOW = new Date('2026-06-01T00:00:00Z');
const OPENSSL_MAC_NAMES: Record<string, string> = {
  sha1: 'HMAC-SHA-1',
  sha224: 'HMAC-SHA-224',
  sha256: 'HMAC-SHA-256',
  sha384: 'HMAC-SHA-384',
  sha512: 'HMAC-SHA-512',
};

describe('fixture corpus', () => {
  for (const name of fixtureNames()) {
    const fixture = loadFixture(name);
    if (fixture.expectedError) {
      test(`${name}: refused with ${fixture.expectedError}`, async () => {
        await assert.rejects(decodePkcs12(fixture.bytes, fixture.password, { now: NOW }), (error: unknown) => {
          assert.ok(error instanceof Pkcs12Error);
          assert.equal(error.code, fixture.expectedError);
          if (fixture.password) assert.ok(!error.message.includes(fixture.password), 'message leaks the password');
          return true;
        });
      });
      continue;
    }
    test(`${name}: ${fixture.description}`, async () => {
      const expected = fixture.expected;
      const decoded = await decodePkcs12(fixture.bytes, fixture.password, { now: NOW });
      const facts = decoded.leaf.facts;
      assert.equal(facts.thumbprint, expected.thumbprint);
      assert.equal(facts.notBefore, expected.notBefore);
      assert.equal(facts.notAfter, expected.notAfter);
      assert.equal(facts.subject, expected.subject);
      assert.equal(facts.issuer, expected.issuer);
      assert.equal(facts.serialNumber, expected.serialNumber);
      assert.equal(facts.keyType, expected.keyType);
      assert.equal(facts.keySize, expected.keySize ?? (expected.curve ? facts.keySize : undefined));
      assert.equal(facts.curve, expected.curve);
      assert.equal(decoded.chain.length, expected.chainLength);
      assert.equal(decoded.protection.mac?.name, expected.mac ? OPENSSL_MAC_NAMES[expected.mac.algorithm] : undefined);
      assert.equal(decoded.protection.mac?.iterations, expected.mac?.iterations);
      assert.deepEqual(
        decoded.protection.encryption.map((e) => e.iterations),
        expected.encryptionIterations,
      );
      // The key is the leaf's and loads as PKCS#8 DER; the leaf DER is the certificate openssl fingerprinted.
      const leaf = new X509Certificate(decoded.leaf.der);
      assert.ok(leaf.checkPrivateKey(createPrivateKey({ key: decoded.privateKeyPkcs8, format: 'der', type: 'pkcs8' })));
      assert.equal(leaf.fingerprint.replace(/:/g, ''), expected.thumbprint);
      if (expected.mac === null) assert.ok(decoded.warnings.some((w) => w.code === 'noMac'));
    });
  }
});

describe('facts and layout details', () => {
  test('chains come out issuer-first whatever the bag order', async () => {
    for (const name of ['chain-intermediates.pfx', 'chain-leaf-last.pfx']) {
      const fixture = loadFixture(name);
      const decoded = await decodePkcs12(fixture.bytes, fixture.password);
      const [intermediate, root] = decoded.chain.map((der) => new X509Certificate(der));
      assert.ok(new X509Certificate(decoded.leaf.der).checkIssued(intermediate!), name);
      assert.ok(intermediate!.checkIssued(root!), name);
      assert.ok(root!.checkIssued(root!), name);
    }
  });

  test('base64 input, wrapped or unpadded, decodes like the bytes', async () => {
    const fixture = loadFixture('modern-rsa2048.pfx');
    const wrapped = fixture.base64.replace(/.{64}/g, '$&\r\n');
    const unpadded = fixture.base64.replace(/=+$/, '');
    for (const input of [fixture.base64, wrapped, ` ${unpadded}\n`]) {
      const decoded = await decodePkcs12(input, fixture.password);
      assert.equal(decoded.leaf.facts.thumbprint, fixture.expected.thumbprint);
    }
  });

  test('trailing bytes after the PFX are ignored (as OpenSSL, Java and Windows do)', async () => {
    const fixture = loadFixture('modern-rsa2048.pfx');
    const padded = Buffer.concat([fixture.bytes, Buffer.from('\n\0\0garbage')]);
    const decoded = await decodePkcs12(padded, fixture.password);
    assert.equal(decoded.leaf.facts.thumbprint, fixture.expected.thumbprint);
  });

  test('modern file: full facts, no warnings', async () => {
    const fixture = loadFixture('modern-rsa2048.pfx');
    const decoded = await decodePkcs12(fixture.base64, fixture.password, { now: NOW });
    assert.deepEqual(decoded.warnings, []);
    assert.equal(decoded.leaf.facts.signatureAlgorithm, 'sha256WithRSAEncryption');
    assert.deepEqual(decoded.leaf.facts.extendedKeyUsages, ['clientAuth']);
    assert.equal(decoded.leaf.facts.clientAuthAllowed, true);
    assert.equal(decoded.leaf.facts.selfSigned, false);
    assert.deepEqual(decoded.protection.mac, {
      oid: '2.16.840.1.101.3.4.2.1',
      name: 'HMAC-SHA-256',
      iterations: 2048,
      legacy: false,
    });
    assert.equal(decoded.protection.encryption[0]!.name, 'PBES2(PBKDF2-HMAC-SHA256, AES-256-CBC)');
    assert.equal(decoded.protection.emptyPasswordConvention, undefined);
  });

  test('empty passwords report the convention that matched', async () => {
    const cases: [string, string][] = [
      ['empty-password.pfx', 'emptyString'],
      ['empty-password-legacy.pfx', 'emptyString'],
      ['empty-password-absent.pfx', 'absent'],
    ];
    for (const [name, convention] of cases) {
      const decoded = await decodePkcs12(loadFixture(name).bytes, '');
      assert.equal(decoded.protection.emptyPasswordConvention, convention, name);
    }
  });

  test('warnings: each fixture raises the warning it was made for', async () => {
    const cases: [string, string][] = [
      ['expired.pfx', 'expired'],
      ['not-yet-valid.pfx', 'notYetValid'],
      ['eku-serverauth-only.pfx', 'noClientAuthEku'],
      ['legacy-rc2-40.pfx', 'legacyAlgorithm'],
      ['rsa1024.pfx', 'weakKey'],
      ['nomac.pfx', 'noMac'],
      ['sha1-signature.pfx', 'sha1Signature'],
    ];
    for (const [name, code] of cases) {
      const fixture = loadFixture(name);
      const decoded = await decodePkcs12(fixture.bytes, fixture.password, { now: NOW });
      assert.deepEqual(
        decoded.warnings.map((w) => w.code),
        [code],
        name,
      );
    }
  });

  test('warnings are evaluated at the `now` option', async () => {
    const fixture = loadFixture('modern-rsa2048.pfx');
    const before = await decodePkcs12(fixture.bytes, fixture.password, { now: new Date('2020-01-01T00:00:00Z') });
    const after = await decodePkcs12(fixture.bytes, fixture.password, { now: new Date('2050-01-01T00:00:00Z') });
    assert.deepEqual(
      before.warnings.map((w) => w.code),
      ['notYetValid'],
    );
    assert.deepEqual(
      after.warnings.map((w) => w.code),
      ['expired'],
    );
    assert.match(after.warnings[0]!.message, /2045-01-01T00:00:00Z/);
  });
});
