// Every Pkcs12ErrorCode is produced by some input, with a message that says what to do and leaks nothing.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeKdfWorkers, decodePkcs12, Pkcs12Error, type Pkcs12ErrorCode } from '../../src/pkcs12/index.js';
import { createHmac } from 'node:crypto';
import * as asn1js from 'asn1js';
import { loadFixture } from '../fixtures/index.js';
import { parseBer } from '../../src/pkcs12/asn1.js';
import { bmpPassword, pkcs12Kdf } from '../../src/pkcs12/kdf.js';

after(() => closeKdfWorkers());

const modern = loadFixture('modern-rsa2048.pfx');

async function refused(
  input: Buffer | string,
  password: string,
  code: Pkcs12ErrorCode,
  message?: RegExp,
  options = {},
): Promise<Pkcs12Error> {
  let caught: unknown;
  try {
    await decodePkcs12(input, password, options);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof Pkcs12Error, `expected a Pkcs12Error, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message) assert.match(caught.message, message);
  if (password.length >= 3) assert.ok(!caught.message.includes(password), 'the message contains the password');
  const text = typeof input === 'string' ? input : input.toString('base64');
  if (text.length > 40) assert.ok(!caught.message.includes(text.slice(20, 40)), 'the message contains input');
  return caught;
}

/** Replaces the first occurrence of `from` (hex) with `to` (hex, same length). */
function patch(bytes: Buffer, from: string, to: string): Buffer {
  const out = Buffer.from(bytes);
  const at = out.indexOf(Buffer.from(from, 'hex'));
  assert.ok(at >= 0, `pattern ${from} not found`);
  Buffer.from(to, 'hex').copy(out, at);
  return out;
}

describe('notBase64', () => {
  test('characters outside the alphabet, URL-safe base64, PEM, bad length, misplaced padding', async () => {
    await refused('MIIK$AgEDMIIJ', 'pw', 'notBase64', /position 4/);
    await refused(modern.base64.replace(/\+/g, '-').replace(/\//g, '_'), 'pw', 'notBase64', /URL-safe/);
    await refused('-----BEGIN PKCS12-----\nMIIK\n-----END PKCS12-----', 'pw', 'notBase64', /PEM/);
    await refused('MIIKa', 'pw', 'notBase64', /truncated/);
    await refused('MI=Ka===', 'pw', 'notBase64');
  });
});

describe('tooLarge', () => {
  test('bytes over the cap, base64 over the cap, and a custom cap', async () => {
    await refused(Buffer.alloc(65_537), 'pw', 'tooLarge', /65,537 bytes; the limit is 65,536/);
    await refused(Buffer.alloc(70_000).toString('base64'), 'pw', 'tooLarge');
    await refused('A'.repeat(10_000_000), 'pw', 'tooLarge');
    await refused(modern.bytes, modern.password, 'tooLarge', /limit is 1,000 bytes/, { maxBytes: 1000 });
  });
});

describe('malformed', () => {
  test('empty input, random bytes, a bare certificate, a truncated file', async () => {
    await refused(Buffer.alloc(0), 'pw', 'malformed', /PFX/);
    await refused('', 'pw', 'malformed');
    await refused(Buffer.from('this is not DER at all'), 'pw', 'malformed');
    const decoded = await decodePkcs12(modern.bytes, modern.password);
    await refused(decoded.leaf.der, 'pw', 'malformed', /PFX/);
    await refused(modern.bytes.subarray(0, 1000), modern.password, 'malformed');
  });

  test('a damaged encrypted block under a valid MAC is reported as corrupted, not as a wrong password', async () => {
    // Flip one ciphertext byte of the certificate SafeContents, then re-sign the MAC with the right password
    // (our KDF is checked against OpenSSL in primitives.test.ts): the MAC passes, decryption cannot.
    const damaged = Buffer.from(modern.bytes);
    const { node } = parseBer(damaged, 'test');
    const [, authSafe, macData] = (node as asn1js.Sequence).valueBlock.value;
    const content = Buffer.from(
      (
        ((authSafe as asn1js.Sequence).valueBlock.value[1] as asn1js.Constructed).valueBlock
          .value[0] as asn1js.OctetString
      ).getValue(),
    );
    const contentAt = damaged.indexOf(content);
    damaged[contentAt + 300]! ^= 0x01;
    const [digestInfo, salt] = (macData as asn1js.Sequence).valueBlock.value;
    const oldDigest = Buffer.from(
      ((digestInfo as asn1js.Sequence).valueBlock.value[1] as asn1js.OctetString).getValue(),
    );
    const key = pkcs12Kdf({
      hash: 'sha256',
      password: bmpPassword(modern.password),
      salt: Buffer.from((salt as asn1js.OctetString).getValue()),
      id: 3,
      iterations: 2048,
      length: 32,
    });
    const newDigest = createHmac('sha256', key)
      .update(damaged.subarray(contentAt, contentAt + content.length))
      .digest();
    newDigest.copy(damaged, damaged.indexOf(oldDigest));
    await refused(damaged, modern.password, 'malformed', /corrupted|not a valid/);
  });
});

describe('wrongPassword', () => {
  test('MAC mismatch, legacy MAC mismatch, no-MAC decryption failure, empty password on a protected file', async () => {
    await refused(modern.bytes, 'not-the-password', 'wrongPassword', /HMAC-SHA-256/);
    await refused(loadFixture('legacy-rc2-40.pfx').bytes, 'not-the-password', 'wrongPassword', /HMAC-SHA-1/);
    await refused(loadFixture('nomac.pfx').bytes, 'not-the-password', 'wrongPassword', /no integrity MAC/);
    await refused(modern.bytes, '', 'wrongPassword');
    await refused(loadFixture('empty-password.pfx').bytes, 'x', 'wrongPassword');
  });
});

describe('bag content errors', () => {
  test('noPrivateKey, noCertificate, keyMismatch, multipleKeys', async () => {
    await refused(loadFixture('cert-only').bytes, 'Fixture-Pass-1', 'noPrivateKey', /1 certificate/);
    await refused(loadFixture('key-only').bytes, 'Fixture-Pass-1', 'noCertificate');
    await refused(loadFixture('key-mismatch').bytes, 'Fixture-Pass-1', 'keyMismatch', /1 certificate/);
    await refused(loadFixture('multiple-keys').bytes, 'Fixture-Pass-1', 'multipleKeys', /2 different private keys/);
  });
});

describe('unsupportedAlgorithm', () => {
  test('an unknown MAC digest names its OID', async () => {
    const bytes = patch(modern.bytes, '0609608648016503040201', '0609608648016503040209');
    await refused(bytes, modern.password, 'unsupportedAlgorithm', /MAC: 2\.16\.840\.1\.101\.3\.4\.2\.9/);
  });

  test('RC4 PBE is named', async () => {
    const legacy = loadFixture('legacy-3des.pfx');
    const bytes = patch(legacy.bytes, '060a2a864886f70d010c0103', '060a2a864886f70d010c0101');
    await refused(
      bytes,
      legacy.password,
      'unsupportedAlgorithm',
      /1\.2\.840\.113549\.1\.12\.1\.1 \(pbeWithSHAAnd128BitRC4\)/,
    );
  });

  test('public-key integrity mode (signedData)', async () => {
    const bytes = patch(modern.bytes, '06092a864886f70d010701', '06092a864886f70d010702');
    await refused(bytes, modern.password, 'unsupportedAlgorithm', /signedData/);
  });
});

describe('iterationLimit', () => {
  test('10,000,000 iterations in the MAC or hidden inside the contents', async () => {
    await refused(loadFixture('iter-10m').bytes, 'Fixture-Pass-1', 'iterationLimit', /10,000,000 iterations/);
    await refused(loadFixture('iter-10m-inner').bytes, 'Fixture-Pass-1', 'iterationLimit', /AuthenticatedSafe item 1/);
  });

  test('configurable per-derivation and per-file caps', async () => {
    await refused(modern.bytes, modern.password, 'iterationLimit', /limit is 1,000/, { maxIterations: 1000 });
    await refused(modern.bytes, modern.password, 'iterationLimit', /6,144 .* in total/, { maxTotalIterations: 5000 });
    const decoded = await decodePkcs12(modern.bytes, modern.password, { maxTotalIterations: 6144 });
    assert.equal(decoded.leaf.facts.thumbprint, modern.expected.thumbprint);
  });
});
