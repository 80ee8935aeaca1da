// Private keys: load PKCS#8 into a KeyObject, normalise to DER, and (for files without a MAC) check that the
// key is internally consistent, since nothing else proves the decrypted bytes are the ones that were written.
import { type KeyObject, createECDH, createPrivateKey } from 'node:crypto';

/** Loads PKCS#8 DER; returns undefined when OpenSSL cannot read it. */
export function loadPrivateKey(pkcs8: Buffer): KeyObject | undefined {
  try {
    return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
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
