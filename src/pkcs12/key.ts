// Private keys: load PKCS#8 into a KeyObject, normalise to DER, and (for files without a MAC) check that the
// key is internally consistent, since nothing else proves the decrypted bytes are the ones that were written.
import { type JsonWebKey, type KeyObject, createECDH, createPrivateKey } from 'node:crypto';
import * as asn1js from 'asn1js';
import { fields, octets, oid, parseExact } from './asn1.js';

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
/**
 * Named curves loaded from components, by OID: the JWK name and the byte length of a coordinate and of the private
 * scalar. Only P-256: Node checks a JWK's point against its scalar, one scalar multiplication, ~70 µs on P-256 but
 * 450 µs on P-384 and ~1 ms on P-521, more than the DER decoder's ~350 µs.
 */
const EC_CURVES: Record<string, { crv: string; size: number }> = {
  '1.2.840.10045.3.1.7': { crv: 'P-256', size: 32 },
};

/** Loads PKCS#8 DER; returns undefined when OpenSSL cannot read it. */
export function loadPrivateKey(pkcs8: Buffer): KeyObject | undefined {
  const jwk = componentsOf(pkcs8);
  if (jwk) {
    try {
      return createPrivateKey({ key: jwk, format: 'jwk' });
    } catch {
      // not loadable from its components: the DER path decides
    }
  }
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

const isInteger = (node: asn1js.AsnType | undefined, value: number) =>
  node instanceof asn1js.Integer && node.valueBlock.valueHexView.length === 1 && node.valueBlock.valueDec === value;

/**
 * A two-prime RSA key, or a P-256 key that carries its public point, as a JWK read from the PKCS#8:
 * OpenSSL 3's DER decoder costs ~350 µs per key, loading the same key from its components ~10 µs, a tenth of a whole
 * upload's decode (docs/performance.md). Anything else (other algorithms, multi-prime, odd encodings, an error) is
 * undefined and takes the DER path, so this changes how fast a key loads, never whether it does or to what
 * (test/pkcs12/key.test.ts compares the two paths).
 */
export function componentsOf(pkcs8: Buffer): JsonWebKey | undefined {
  try {
    const [version, algorithm, privateKey] = fields(parseExact(pkcs8, 'PrivateKeyInfo'), 'PrivateKeyInfo', 3);
    if (!isInteger(version, 0)) return undefined;
    const [algorithmId, parameters] = fields(algorithm!, 'algorithm', 1);
    const inner = parseExact(octets(privateKey, 'privateKey'), 'privateKey');
    switch (oid(algorithmId, 'algorithm')) {
      case RSA_ENCRYPTION:
        return rsaComponents(inner);
      case EC_PUBLIC_KEY:
        return parameters instanceof asn1js.ObjectIdentifier ? ecComponents(inner, parameters) : undefined;
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** RSAPrivateKey (RFC 8017), two-prime. */
function rsaComponents(rsaPrivateKey: asn1js.AsnType): JsonWebKey | undefined {
  const rsa = fields(rsaPrivateKey, 'RSAPrivateKey', 9);
  if (rsa.length !== 9 || !isInteger(rsa[0], 0)) return undefined;
  const [n, e, d, p, q, dp, dq, qi] = rsa.slice(1).map(unsignedBase64url);
  if (!n || !e || !d || !p || !q || !dp || !dq || !qi) return undefined;
  return { kty: 'RSA', n, e, d, p, q, dp, dq, qi };
}

/** ECPrivateKey (RFC 5915) with its public key as an uncompressed point. */
function ecComponents(ecPrivateKey: asn1js.AsnType, curveOid: asn1js.ObjectIdentifier): JsonWebKey | undefined {
  const curveId = curveOid.valueBlock.toString();
  const curve = EC_CURVES[curveId];
  const [version, scalar, ...optional] = fields(ecPrivateKey, 'ECPrivateKey', 2);
  if (!curve || !isInteger(version, 1)) return undefined;
  const d = octets(scalar, 'privateKey');
  if (d.length === 0 || d.length > curve.size) return undefined;
  let point: Uint8Array | undefined;
  for (const field of optional) {
    if (!(field instanceof asn1js.Constructed) || field.idBlock.tagClass !== 3) return undefined;
    const [value] = field.valueBlock.value;
    if (field.idBlock.tagNumber === 0) {
      // The parameters repeat the curve; anything else is for the DER path to judge.
      if (!(value instanceof asn1js.ObjectIdentifier) || value.valueBlock.toString() !== curveId) return undefined;
    } else if (field.idBlock.tagNumber === 1 && value instanceof asn1js.BitString) {
      if (value.valueBlock.unusedBits !== 0) return undefined;
      point = value.valueBlock.valueHexView;
    } else {
      return undefined;
    }
  }
  if (!point || point.length !== 1 + 2 * curve.size || point[0] !== 0x04) return undefined; // absent or compressed
  const coordinate = (from: number) =>
    Buffer.from(point.buffer, point.byteOffset + from, curve.size).toString('base64url');
  const padded = Buffer.concat([Buffer.alloc(curve.size - d.length), d]);
  return {
    kty: 'EC',
    crv: curve.crv,
    d: padded.toString('base64url'),
    x: coordinate(1),
    y: coordinate(1 + curve.size),
  };
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
