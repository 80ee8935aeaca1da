// Password-based decryption and MAC verification. Passwords reach the two KDFs in different encodings:
// the appendix B KDF takes a BMPString (UTF-16BE + 00 00, or nothing for the "absent" empty password),
// PBKDF2 takes UTF-8 bytes. That is what OpenSSL does, so it is what every real file needs.
import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import type { EncryptionScheme, MacScheme } from './algorithms.js';
import { derivePbkdf2, derivePkcs12Key } from './derive.js';
import { DecryptionFailed } from './errors.js';
import { KDF_ID } from './kdf.js';
import { rc2CbcDecrypt } from './rc2.js';

export interface PasswordForms {
  /** UTF-8, for PBKDF2. */
  utf8: Buffer;
  /** BMPString form for the appendix B KDF (see Pkcs12Protection.emptyPasswordConvention). */
  bmp: Buffer;
}

/** Decrypts `ciphertext`; throws DecryptionFailed when the key is wrong (bad padding) or the length is invalid. */
export async function decrypt(scheme: EncryptionScheme, password: PasswordForms, ciphertext: Buffer): Promise<Buffer> {
  let key: Buffer;
  let iv: Buffer;
  if (scheme.kind === 'pkcs12') {
    const base = { hash: 'sha1' as const, password: password.bmp, salt: scheme.salt, iterations: scheme.iterations };
    [key, iv] = await Promise.all([
      derivePkcs12Key({ ...base, id: KDF_ID.key, length: scheme.keyLength }),
      derivePkcs12Key({ ...base, id: KDF_ID.iv, length: 8 }),
    ]);
  } else {
    key = await derivePbkdf2(password.utf8, scheme.salt, scheme.iterations, scheme.keyLength, scheme.prf);
    iv = scheme.iv;
  }
  try {
    if (scheme.cipher === 'rc2-cbc') return rc2CbcDecrypt(key, scheme.rc2Bits ?? key.length * 8, iv, ciphertext);
    try {
      const decipher = createDecipheriv(scheme.cipher, key, iv);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      // OpenSSL reports "bad decrypt" (padding) or a wrong final block length; both mean wrong key or corrupt data.
      throw new DecryptionFailed(scheme.info.name);
    }
  } finally {
    key.fill(0); // the derived key decrypts the private key: keep it no longer than needed
  }
}

/** True when the MAC verifies under this BMPString password form. */
export async function macMatches(mac: MacScheme, bmpPassword: Buffer, content: Buffer): Promise<boolean> {
  const key = await derivePkcs12Key({
    hash: mac.hash.name,
    password: bmpPassword,
    salt: mac.salt,
    id: KDF_ID.mac,
    iterations: mac.iterations,
    length: mac.hash.u,
  });
  const digest = createHmac(mac.hash.name, key).update(content).digest();
  key.fill(0);
  return digest.length === mac.digest.length && timingSafeEqual(digest, mac.digest);
}
