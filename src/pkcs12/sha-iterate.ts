// Iterated SHA-1 / SHA-224 / SHA-256 for the inner loop of the RFC 7292 appendix B KDF: H(H(...H(x))).
//
// Why hand-written: the appendix B KDF hashes its own digest `iterations` times and Node has no native API for
// it (OpenSSL's PKCS12_key_gen is not exposed). A JS loop of `crypto.hash` calls costs ~0.8-1.5 us per call,
// almost all of it crossing into C++ and allocating a Buffer; it made legacy files 3-5x slower than OpenSSL.
// Each iteration hashes exactly one digest, i.e. one padded block, so this runs the compression function on
// Int32 words with the padding fixed and nothing allocated: ~0.2-0.4 us per iteration (bench/decode.ts,
// docs/pkcs12.md). Correctness is tested against node:crypto for every supported digest and many counts.
// Other digests (SHA-384/512, MD5) use crypto.hash in ./kdf.ts.

const SHA256_K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const SHA256_IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const SHA224_IV = new Int32Array([
  0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4,
]);

function readWords(digest: Uint8Array, words: number): Int32Array {
  const out = new Int32Array(words);
  for (let i = 0; i < words; i++) {
    const o = i * 4;
    out[i] = (digest[o]! << 24) | (digest[o + 1]! << 16) | (digest[o + 2]! << 8) | digest[o + 3]!;
  }
  return out;
}

function writeWords(words: Int32Array, count: number): Buffer {
  const out = Buffer.alloc(count * 4);
  for (let i = 0; i < count; i++) out.writeInt32BE(words[i]!, i * 4);
  return out;
}

// The loops call a one-block function per iteration instead of holding the rounds inline: V8 optimises the small
// function once and keeps it, where a long loop inside one function was entered through on-stack replacement and
// deoptimised at its exit on every call (--trace-deopt: "insufficient type feedback"), running at about half speed.

/** One SHA-256 (SHA-224) of the `words`-word digest in H, written back into H. W is scratch. */
function sha256Block(H: Int32Array, W: Int32Array, iv: Int32Array, words: number): void {
  for (let i = 0; i < words; i++) W[i] = H[i]!;
  W[words] = 0x80000000 | 0;
  for (let i = words + 1; i < 15; i++) W[i] = 0;
  W[15] = words * 32;
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = iv[0]!;
  let b = iv[1]!;
  let c = iv[2]!;
  let d = iv[3]!;
  let e = iv[4]!;
  let f = iv[5]!;
  let g = iv[6]!;
  let h = iv[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + SHA256_K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (iv[0]! + a) | 0;
  H[1] = (iv[1]! + b) | 0;
  H[2] = (iv[2]! + c) | 0;
  H[3] = (iv[3]! + d) | 0;
  H[4] = (iv[4]! + e) | 0;
  H[5] = (iv[5]! + f) | 0;
  H[6] = (iv[6]! + g) | 0;
  if (words === 8) H[7] = (iv[7]! + h) | 0;
}

/** Applies SHA-256 (or SHA-224 when `is224`) `count` more times to a digest of that function. */
export function iterateSha256(digest: Uint8Array, count: number, is224 = false): Buffer {
  const words = is224 ? 7 : 8;
  const iv = is224 ? SHA224_IV : SHA256_IV;
  const H = readWords(digest, words);
  const W = new Int32Array(64);
  for (let iteration = 0; iteration < count; iteration++) sha256Block(H, W, iv, words);
  return writeWords(H, words);
}

/** One SHA-1 of the 5-word digest in H, written back into H. W is scratch. */
function sha1Block(H: Int32Array, W: Int32Array): void {
  W[0] = H[0]!;
  W[1] = H[1]!;
  W[2] = H[2]!;
  W[3] = H[3]!;
  W[4] = H[4]!;
  W[5] = 0x80000000 | 0;
  for (let i = 6; i < 15; i++) W[i] = 0;
  W[15] = 160;
  for (let i = 16; i < 80; i++) {
    const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
    W[i] = (x << 1) | (x >>> 31);
  }
  let a = 0x67452301 | 0;
  let b = 0xefcdab89 | 0;
  let c = 0x98badcfe | 0;
  let d = 0x10325476 | 0;
  let e = 0xc3d2e1f0 | 0;
  // Four loops of 20 rounds rather than a branch per round: ~20% faster in V8.
  let i = 0;
  for (; i < 20; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + W[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 40; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + W[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 60; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + (0x8f1bbcdc | 0) + W[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (; i < 80; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + (0xca62c1d6 | 0) + W[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  H[0] = (0x67452301 + a) | 0;
  H[1] = (0xefcdab89 + b) | 0;
  H[2] = (0x98badcfe + c) | 0;
  H[3] = (0x10325476 + d) | 0;
  H[4] = (0xc3d2e1f0 + e) | 0;
}

/** Applies SHA-1 `count` more times to a SHA-1 digest. */
export function iterateSha1(digest: Uint8Array, count: number): Buffer {
  const H = readWords(digest, 5);
  const W = new Int32Array(80);
  for (let iteration = 0; iteration < count; iteration++) sha1Block(H, W);
  return writeWords(H, 5);
}
