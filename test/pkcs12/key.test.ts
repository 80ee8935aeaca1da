// Key consistency checks (used when a file has no MAC) and their effect on a MAC-less file.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { componentsOf, isKeyConsistent, loadPrivateKey } from '../../src/pkcs12/key.js';
import { closeKdfWorkers, decodePkcs12, Pkcs12Error } from '../../src/pkcs12/index.js';
import { fixtureNames, loadFixture } from '../fixtures/index.js';

after(() => closeKdfWorkers());

function flipByte(base64url: string, index: number): string {
  const bytes = Buffer.from(base64url, 'base64url');
  bytes[index]! ^= 0x01;
  return bytes.toString('base64url');
}

const fromJwk = (jwk: JsonWebKey) => createPrivateKey({ key: jwk, format: 'jwk' });

describe('isKeyConsistent', () => {
  test('RSA: intact keys pass; a changed CRT parameter or exponent fails', () => {
    const jwk = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
    assert.equal(isKeyConsistent(fromJwk(jwk)), true);
    for (const field of ['d', 'p', 'dp', 'dq', 'qi'] as const) {
      assert.equal(isKeyConsistent(fromJwk({ ...jwk, [field]: flipByte(jwk[field]!, 7) })), false, field);
    }
  });

  test('EC: a private scalar that does not produce the stored public point fails', () => {
    for (const namedCurve of ['P-256', 'P-384', 'P-521']) {
      const a = generateKeyPairSync('ec', { namedCurve }).privateKey.export({ format: 'jwk' });
      const b = generateKeyPairSync('ec', { namedCurve }).privateKey.export({ format: 'jwk' });
      assert.equal(isKeyConsistent(fromJwk(a)), true, namedCurve);
      assert.equal(isKeyConsistent(fromJwk({ ...a, x: b.x, y: b.y })), false, namedCurve);
    }
  });

  test('Ed25519 keys hold only the seed and always pass', () => {
    assert.equal(isKeyConsistent(generateKeyPairSync('ed25519').privateKey), true);
  });
});

test('a MAC-less file whose RSA key was damaged in a CRT parameter is refused as corrupted', async () => {
  // The damage keeps n and e, so the certificate still "matches": only the consistency check can tell.
  const fixture = loadFixture('unencrypted-nomac.pfx');
  const decoded = await decodePkcs12(fixture.bytes, fixture.password);
  const at = fixture.bytes.indexOf(decoded.privateKeyPkcs8);
  assert.ok(at > 0, 'the plain key bag holds the PKCS#8 as DER');
  const damaged = Buffer.from(fixture.bytes);
  damaged[at + decoded.privateKeyPkcs8.length - 3]! ^= 0x01; // inside qi, the last INTEGER
  await assert.rejects(decodePkcs12(damaged, fixture.password), (error: unknown) => {
    assert.ok(error instanceof Pkcs12Error);
    assert.equal(error.code, 'malformed');
    assert.match(error.message, /internally inconsistent/);
    return true;
  });
});

describe('loadPrivateKey', () => {
  const viaDer = (pkcs8: Buffer) => createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const exported = (key: KeyObject) => key.export({ format: 'der', type: 'pkcs8' });

  test('RSA keys loaded from their components equal what OpenSSL decodes from the DER', () => {
    for (const modulusLength of [1024, 2048, 3072]) {
      for (const publicExponent of [3, 65537]) {
        const pkcs8 = generateKeyPairSync('rsa', { modulusLength, publicExponent }).privateKey.export({
          format: 'der',
          type: 'pkcs8',
        });
        const loaded = loadPrivateKey(pkcs8);
        assert.ok(loaded, `${modulusLength}/${publicExponent}`);
        assert.equal(loaded.asymmetricKeyType, 'rsa');
        assert.deepEqual(exported(loaded), exported(viaDer(pkcs8)), `${modulusLength}/${publicExponent}`);
      }
    }
  });

  test('every fixture key loads to the same key both ways (decodePkcs12 returns the normalised DER)', async () => {
    let rsa = 0;
    for (const name of fixtureNames()) {
      const fixture = loadFixture(name);
      if (fixture.expectedError) continue;
      const decoded = await decodePkcs12(fixture.bytes, fixture.password);
      const loaded = loadPrivateKey(decoded.privateKeyPkcs8);
      assert.ok(loaded, name);
      assert.deepEqual(exported(loaded), decoded.privateKeyPkcs8, name);
      assert.deepEqual(decoded.privateKeyPkcs8, exported(viaDer(decoded.privateKeyPkcs8)), name);
      if (loaded.asymmetricKeyType === 'rsa') rsa++;
    }
    assert.ok(rsa >= 10, `the corpus has RSA keys (${rsa})`);
  });

  test('other key types, and damaged or odd RSA encodings, load exactly as the DER decoder alone would', () => {
    const derOnly = (pkcs8: Buffer) => {
      try {
        return exported(viaDer(pkcs8));
      } catch {
        return undefined;
      }
    };
    const pkcs8 = (key: KeyObject) => key.export({ format: 'der', type: 'pkcs8' });
    const rsa = pkcs8(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);
    const cases: Record<string, Buffer> = {
      ec: pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
      ed25519: pkcs8(generateKeyPairSync('ed25519').privateKey),
      'rsa-pss': pkcs8(generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).privateKey),
      truncated: rsa.subarray(0, rsa.length - 5),
      'trailing byte': Buffer.concat([rsa, Buffer.from([0])]),
      'version 1': Buffer.from(rsa).fill(1, 6, 7), // PrivateKeyInfo version INTEGER 0 -> 1
      'too short': Buffer.from('3003020100', 'hex'),
    };
    assert.equal(rsa[4], 0x02, 'the version INTEGER is where the case above changes it');
    for (const [name, bytes] of Object.entries(cases)) {
      const loaded = loadPrivateKey(bytes);
      assert.deepEqual(loaded && exported(loaded), derOnly(bytes), name);
    }
  });

  test('RSA keys and P-256 keys that carry their public point are read from their components; others are not', () => {
    const pkcs8 = (key: KeyObject) => key.export({ format: 'der', type: 'pkcs8' });
    const rsa = pkcs8(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);
    assert.equal(componentsOf(rsa)?.kty, 'RSA');
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    assert.deepEqual(componentsOf(pkcs8(p256)), p256.export({ format: 'jwk' }));
    for (const namedCurve of ['P-384', 'P-521', 'secp256k1']) {
      // Node checks a JWK's point with a scalar multiplication: slower than the DER decoder on these curves.
      assert.equal(componentsOf(pkcs8(generateKeyPairSync('ec', { namedCurve }).privateKey)), undefined, namedCurve);
    }
    assert.equal(componentsOf(pkcs8(generateKeyPairSync('ed25519').privateKey)), undefined);
    // An ECPrivateKey without its public point ([1]) cannot become a JWK: the DER path loads it.
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const sec1 = ec.export({ format: 'der', type: 'sec1' });
    const publicKeyAt = sec1.indexOf(Buffer.from([0xa1, 0x44, 0x03, 0x42, 0x00, 0x04]));
    assert.ok(publicKeyAt > 0, 'the SEC1 encoding ends with [1] BIT STRING');
    const withoutPoint = Buffer.from(sec1.subarray(0, publicKeyAt));
    withoutPoint[1] = withoutPoint.length - 2; // the outer SEQUENCE's short-form length
    const bare = createPrivateKey({ key: withoutPoint, format: 'der', type: 'sec1' });
    assert.equal(componentsOf(pkcs8(bare)), undefined);
    const loaded = loadPrivateKey(pkcs8(bare));
    assert.ok(loaded);
    assert.deepEqual(loaded.export({ format: 'jwk' }), ec.export({ format: 'jwk' }), 'the DER path derives the point');
  });
});
