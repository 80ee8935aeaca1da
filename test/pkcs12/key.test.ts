// Key consistency checks (used when a file has no MAC) and their effect on a MAC-less file.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { isKeyConsistent } from '../../src/pkcs12/key.js';
import { closeKdfWorkers, decodePkcs12, Pkcs12Error } from '../../src/pkcs12/index.js';
import { loadFixture } from '../fixtures/index.js';

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
