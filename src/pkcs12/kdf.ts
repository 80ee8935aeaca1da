// RFC 7292 appendix B.2 key derivation, written by hand because Node exposes no PKCS#12 KDF (OpenSSL's
// PKCS12_key_gen is internal to its PKCS#12 parser). It derives the MAC key and the keys/IVs of the
// pbeWithSHAAnd* algorithms. Verified against OpenSSL through the fixture corpus (test/pkcs12/kdf.test.ts).
import { hash as oneShotHash } from 'node:crypto';
import { type HashName, hashSpec } from './algorithms.js';
import { iterateSha1, iterateSha256, iterateSha512 } from './sha-iterate.js';

/** Purpose byte ("ID") of appendix B.3. */
export const KDF_ID = { key: 1, iv: 2, mac: 3 } as const;

export interface Pkcs12KdfParams {
  hash: HashName;
  /** Password as a BMPString with its two-byte terminator, or empty for the "absent password" convention. */
  password: Uint8Array;
  salt: Uint8Array;
  id: 1 | 2 | 3;
  iterations: number;
  /** Output length in bytes. */
  length: number;
}

/** Number of hash iterations a derivation costs (iterations per output block times blocks). */
export function kdfCost(params: Pick<Pkcs12KdfParams, 'hash' | 'iterations' | 'length'>): number {
  return params.iterations * Math.ceil(params.length / hashSpec(params.hash).u);
}

/** `count` further applications of the hash to `digest`. */
function iterateHash(hash: HashName, digest: Buffer, count: number): Buffer {
  if (hash === 'sha1') return iterateSha1(digest, count);
  if (hash === 'sha256') return iterateSha256(digest, count);
  if (hash === 'sha224') return iterateSha256(digest, count, true);
  if (hash === 'sha512' || hash === 'sha384' || hash === 'sha512-256') return iterateSha512(digest, count, hash);
  let value = digest;
  for (let i = 0; i < count; i++) value = oneShotHash(hash, value, 'buffer');
  return value;
}

/** `source` repeated to fill a multiple of v bytes (appendix B.2 steps 2-3); empty stays empty. */
function fill(source: Uint8Array, v: number): Buffer {
  if (source.length === 0) return Buffer.alloc(0);
  const out = Buffer.alloc(v * Math.ceil(source.length / v));
  for (let i = 0; i < out.length; i++) out[i] = source[i % source.length]!;
  return out;
}

export function pkcs12Kdf(params: Pkcs12KdfParams): Buffer {
  const { u, v } = hashSpec(params.hash);
  const D = Buffer.alloc(v, params.id);
  const I = Buffer.concat([fill(params.salt, v), fill(params.password, v)]);
  const blocks = Math.ceil(params.length / u);
  const out = Buffer.alloc(blocks * u);
  const B = Buffer.alloc(v);
  for (let block = 0; block < blocks; block++) {
    const first = oneShotHash(params.hash, Buffer.concat([D, I]), 'buffer');
    const A = iterateHash(params.hash, first, params.iterations - 1);
    A.copy(out, block * u);
    if (block === blocks - 1) break;
    // Step 6C: I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of I, with B = A repeated to v bytes.
    for (let i = 0; i < v; i++) B[i] = A[i % u]!;
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >>> 8;
      }
    }
  }
  return out.subarray(0, params.length);
}

/** BMPString encoding (UTF-16BE plus a two-byte zero terminator), as RFC 7292 B.1 and OpenSSL use. */
export function bmpPassword(password: string): Buffer {
  const out = Buffer.from(`${password}\u0000`, 'utf16le');
  return out.swap16();
}
