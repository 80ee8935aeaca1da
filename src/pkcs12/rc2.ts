// RC2 decryption (RFC 2268) in CBC mode, written by hand because Node 20's OpenSSL 3 only offers RC2 through
// the legacy provider, which Node does not load: `crypto.getCiphers()` has no rc2-*, and OpenSSL `-legacy` /
// Windows / Java files encrypt their certificates with pbeWithSHAAnd40BitRC2-CBC. Decryption only; tested
// against the RFC 2268 section 5 vectors and the RC2 fixtures made by openssl and keytool.
import { DecryptionFailed } from './errors.js';

// RFC 2268 section 2: PITABLE, a permutation of 0..255 derived from the digits of pi.
const PITABLE = Buffer.from(
  'd978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2179a59f587b34f1361456d8d09817d32' +
    'bd8f40eb86b77b0bf09521225c6b4e8254d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626' +
    '6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed708e8eade8052eef784aa72ac354d6a2a' +
    '961ad2715a1549744b9fd05e0418a4ecc2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731' +
    '2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a90d38341bab33ffb0bb480c5fb9b1cd2e' +
    'c5f3db47e5a59c770aa62068fe7fc1ad',
  'hex',
);

/** RFC 2268 section 2: expands a 1-128 byte key to 64 16-bit subkeys with `effectiveBits` effective bits. */
export function rc2ExpandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  if (key.length < 1 || key.length > 128 || effectiveBits < 1 || effectiveBits > 1024) {
    throw new RangeError('RC2 key must be 1-128 bytes with 1-1024 effective bits');
  }
  const L = new Uint8Array(128);
  L.set(key);
  const T = key.length;
  for (let i = T; i < 128; i++) L[i] = PITABLE[(L[i - 1]! + L[i - T]!) & 0xff]!;
  const T8 = (effectiveBits + 7) >> 3;
  const TM = 0xff >> (8 * T8 - effectiveBits);
  L[128 - T8] = PITABLE[L[128 - T8]! & TM]!;
  for (let i = 127 - T8; i >= 0; i--) L[i] = PITABLE[L[i + 1]! ^ L[i + T8]!]!;
  const K = new Uint16Array(64);
  for (let i = 0; i < 64; i++) K[i] = L[2 * i]! | (L[2 * i + 1]! << 8);
  return K;
}

/** Decrypts one 8-byte block in place (RFC 2268 section 4: r-mixing and r-mashing undone in reverse). */
export function rc2DecryptBlock(K: Uint16Array, block: Uint8Array, offset = 0): void {
  let r0 = block[offset]! | (block[offset + 1]! << 8);
  let r1 = block[offset + 2]! | (block[offset + 3]! << 8);
  let r2 = block[offset + 4]! | (block[offset + 5]! << 8);
  let r3 = block[offset + 6]! | (block[offset + 7]! << 8);
  for (let round = 15; round >= 0; round--) {
    const j = round * 4;
    r3 = ((r3 >>> 5) | (r3 << 11)) & 0xffff;
    r3 = (r3 - K[j + 3]! - (r2 & r1) - (~r2 & r0)) & 0xffff;
    r2 = ((r2 >>> 3) | (r2 << 13)) & 0xffff;
    r2 = (r2 - K[j + 2]! - (r1 & r0) - (~r1 & r3)) & 0xffff;
    r1 = ((r1 >>> 2) | (r1 << 14)) & 0xffff;
    r1 = (r1 - K[j + 1]! - (r0 & r3) - (~r0 & r2)) & 0xffff;
    r0 = ((r0 >>> 1) | (r0 << 15)) & 0xffff;
    r0 = (r0 - K[j]! - (r3 & r2) - (~r3 & r1)) & 0xffff;
    if (round === 5 || round === 11) {
      // Reverse r-mashing after rounds 5 and 11 (counting from the decryption side).
      r3 = (r3 - K[r2 & 63]!) & 0xffff;
      r2 = (r2 - K[r1 & 63]!) & 0xffff;
      r1 = (r1 - K[r0 & 63]!) & 0xffff;
      r0 = (r0 - K[r3 & 63]!) & 0xffff;
    }
  }
  block[offset] = r0 & 0xff;
  block[offset + 1] = r0 >>> 8;
  block[offset + 2] = r1 & 0xff;
  block[offset + 3] = r1 >>> 8;
  block[offset + 4] = r2 & 0xff;
  block[offset + 5] = r2 >>> 8;
  block[offset + 6] = r3 & 0xff;
  block[offset + 7] = r3 >>> 8;
}

/** RC2-CBC decryption with PKCS#7 padding removal; throws DecryptionFailed on bad length or padding. */
export function rc2CbcDecrypt(key: Uint8Array, effectiveBits: number, iv: Uint8Array, data: Uint8Array): Buffer {
  if (data.length === 0 || data.length % 8 !== 0 || iv.length !== 8) throw new DecryptionFailed('RC2 block length');
  const K = rc2ExpandKey(key, effectiveBits);
  const out = Buffer.from(data);
  for (let offset = out.length - 8; offset >= 0; offset -= 8) {
    rc2DecryptBlock(K, out, offset);
    const previous = offset === 0 ? iv : data.subarray(offset - 8, offset);
    for (let i = 0; i < 8; i++) out[offset + i]! ^= previous[i]!;
  }
  const pad = out[out.length - 1]!;
  if (pad < 1 || pad > 8) throw new DecryptionFailed('RC2 padding');
  for (let i = out.length - pad; i < out.length; i++) if (out[i] !== pad) throw new DecryptionFailed('RC2 padding');
  return out.subarray(0, out.length - pad);
}
