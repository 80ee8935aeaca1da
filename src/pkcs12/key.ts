// Private keys: load PKCS#8 into a KeyObject, normalise to DER, and (for files without a MAC) check that the
// key is internally consistent, since nothing else proves the decrypted bytes are the ones that were written.
import { type JsonWebKey, type KeyObject, createECDH, createPrivateKey } from 'node:crypto';
import * as asn1js from 'asn1js';
import { fields, octets, oid, parseExact } from './asn1.js';

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';

/** Loads PKCS#8 DER; returns undefined when OpenSSL cannot read it. */
export function loadPrivateKey(pkcs8: Buffer): KeyObject | undefined {
  const fast = loadRsaFromComponents(pkcs8);
  if (fast) return fast;
  try {
    return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  } catch {
    return undefined;
  }
}

/** An INTEGER's magnitude as base64url (JWK form); undefined for anything but a non-negative INTEGER. */
function unsignedBase64url(node: asn1js.AsnType | undefined): string | undefined {
  if (!(node instanceof asn1js.Integer)) return undefined;
  const bytes = node.valueBlock.valueHexView;
  if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) return undefined;
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start).toString('base64url');
}

/**
 * A two-prime RSA PKCS#8 key, loaded from its components (as a JWK) instead of through OpenSSL 3's DER decoder:
 * the decoder costs ~350 us per key, the components ~10 us, a tenth of a whole upload's decode (docs/performance.md).
 * Anything else (other algorithms, multi-prime, odd encodings, or an error) returns undefined and takes the DER path,
 * so this only changes how fast an RSA key loads, never whether it does (test/pkcs12/key.test.ts compares them).
 */
function loadRsaFromComponents(pkcs8: Buffer): KeyObject | undefined {
  try {
    const [version, algorithm, privateKey] = fields(parseExact(pkcs8, 'PrivateKeyInfo'), 'PrivateKeyInfo', 3);
    if (!(version instanceof asn1js.Integer) || version.valueBlock.valueDec !== 0) return undefined;
    if (oid(fields(algorithm!, 'algorithm', 1)[0], 'algorithm') !== RSA_ENCRYPTION) return undefined;
    const rsa = fields(parseExact(octets(privateKey, 'privateKey'), 'RSAPrivateKey'), 'RSAPrivateKey', 9);
    if (rsa.length !== 9 || !(rsa[0] instanceof asn1js.Integer) || rsa[0].valueBlock.valueDec !== 0) return undefined;
    const [n, e, d, p, q, dp, dq, qi] = rsa.slice(1).map(unsignedBase64url);
    if (!n || !e || !d || !p || !q || !dp || !dq || !qi) return undefined;
    const jwk: JsonWebKey = { kty: 'RSA', n, e, d, p, q, dp, dq, qi };
    return createPrivateKey({ key: jwk, format: 'jwk' });
  } catch {
    return undefined;
  }
}

export function pkcs8Der(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' });
}

const OPENSSL_CURVES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

function bigint(base64url: string | undefined): bigint {
  if (!base64url) return 0n;
  const hex = Buffer.from(base64url, 'base64url').toString('hex');
  return hex ? BigInt(`0x${hex}`) : 0n;
}

/**
 * True when the private parts agree with each other. A flipped byte in an RSA key's CRT parameters still
 * matches the certificate's public key (OpenSSL compares n and e only), so without a MAC we check
 * p*q = n, e*dp = 1 mod p-1, e*dq = 1 mod q-1, dp = d mod p-1, dq = d mod q-1, qi*q = 1 mod p,
 * and for EC that the public point is the private scalar times G.
 */
export function isKeyConsistent(key: KeyObject): boolean {
  try {
    const type = key.asymmetricKeyType;
    if (type === 'rsa' || type === 'rsa-pss') {
      const jwk = key.export({ format: 'jwk' });
      const [n, e, d, p, q, dp, dq, qi] = [jwk.n, jwk.e, jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map(bigint);
      if (!p || !q) return Boolean(n && d); // two-prime CRT parameters absent: nothing more to cross-check
      const p1 = p! - 1n;
      const q1 = q! - 1n;
      return (
        p! * q! === n &&
        (e! * dp!) % p1 === 1n &&
        (e! * dq!) % q1 === 1n &&
        d! % p1 === dp &&
        d! % q1 === dq &&
        (qi! * q!) % p! === 1n
      );
    }
    if (type === 'ec') {
      const jwk = key.export({ format: 'jwk' });
      const curve = OPENSSL_CURVES[jwk.crv ?? ''];
      if (!curve || !jwk.d || !jwk.x || !jwk.y) return true; // other curves: rely on the certificate check
      const ecdh = createECDH(curve);
      ecdh.setPrivateKey(Buffer.from(jwk.d, 'base64url'));
      const expected = Buffer.concat([
        Buffer.from([4]),
        Buffer.from(jwk.x, 'base64url'),
        Buffer.from(jwk.y, 'base64url'),
      ]);
      return ecdh.getPublicKey().equals(expected);
    }
    // Ed25519/Ed448 keys hold only the seed: the public key is derived from it, so the certificate check suffices.
    return true;
  } catch {
    return false;
  }
}
