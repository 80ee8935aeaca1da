// Iterated SHA-1 / SHA-224 / SHA-256 for the inner loop of the RFC 7292 appendix B KDF: H(H(...H(x))).
//
// Why hand-written: the appendix B KDF hashes its own digest `iterations` times and Node has no native API for
// it (OpenSSL's PKCS12_key_gen is not exposed). A JS loop of `crypto.hash` calls costs ~0.8-1.5 us per call,
// almost all of it crossing into C++ and allocating a Buffer; hash-wasm's incremental API costs ~1.3 us per call.
// Each iteration hashes exactly one digest, i.e. one padded block, so the compression function runs on words with
// the padding fixed and nothing allocated. It is WebAssembly (sha-iterate.wat, compiled by scripts/build-wasm.mjs
// into sha-iterate-wasm.ts): a whole chain of iterations is one call, on i32 locals with native rotates, ~0.13 us
// per SHA-1 and ~0.22 us per SHA-256 iteration, half what the same loops cost in JS (docs/performance.md).
// Correctness is tested against node:crypto for every supported digest and many counts.
// Other digests (SHA-384/512, MD5) use crypto.hash in ./kdf.ts.
import { SHA_ITERATE_WASM_BASE64 } from './sha-iterate-wasm.js';

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

/** Byte offsets of the module's memory layout (sha-iterate.wat). */
const LAYOUT = { k: 0, h: 256, w: 288, end: 608, iv256: 608, iv224: 640 } as const;

interface ShaIterate {
  sha256(count: number, words: number, ivOffset: number): void;
  sha1(count: number): void;
  /** The module's memory as words (little-endian i32 values; the host converts to and from big-endian bytes). */
  words: Int32Array;
}

let instance: ShaIterate | undefined;

/** Compiled on first use, once per thread (decode workers each have their own). */
function shaIterate(): ShaIterate {
  if (instance) return instance;
  const module = new WebAssembly.Module(Buffer.from(SHA_ITERATE_WASM_BASE64, 'base64'));
  const exports = new WebAssembly.Instance(module).exports as {
    memory: WebAssembly.Memory;
    sha256: ShaIterate['sha256'];
    sha1: ShaIterate['sha1'];
  };
  const words = new Int32Array(exports.memory.buffer);
  words.set(SHA256_K, LAYOUT.k / 4);
  words.set(SHA256_IV, LAYOUT.iv256 / 4);
  words.set(SHA224_IV, LAYOUT.iv224 / 4);
  instance = { sha256: exports.sha256, sha1: exports.sha1, words };
  return instance;
}

/** Runs `iterate` over `digest` loaded into H, returns H as bytes, and wipes H and W (derived key material). */
function iterateInMemory(digest: Uint8Array, count: number, iterate: (sha: ShaIterate) => void): Buffer {
  // The module counts down in an i32 until zero: anything else would not terminate or would wrap.
  if (!Number.isInteger(count) || count < 0 || count > 0x7fffffff) throw new RangeError(`invalid count ${count}`);
  const sha = shaIterate();
  const view = Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength);
  const words = digest.byteLength / 4;
  for (let i = 0; i < words; i++) sha.words[LAYOUT.h / 4 + i] = view.readInt32BE(i * 4);
  iterate(sha);
  const out = Buffer.alloc(digest.byteLength);
  for (let i = 0; i < words; i++) out.writeInt32BE(sha.words[LAYOUT.h / 4 + i]!, i * 4);
  sha.words.fill(0, LAYOUT.h / 4, LAYOUT.end / 4);
  return out;
}

/** Applies SHA-256 (or SHA-224 when `is224`) `count` more times to a digest of that function. */
export function iterateSha256(digest: Uint8Array, count: number, is224 = false): Buffer {
  const words = is224 ? 7 : 8;
  if (digest.byteLength !== words * 4) throw new RangeError(`expected a ${words * 4}-byte digest`);
  return iterateInMemory(digest, count, (sha) => sha.sha256(count, words, is224 ? LAYOUT.iv224 : LAYOUT.iv256));
}

/** Applies SHA-1 `count` more times to a SHA-1 digest. */
export function iterateSha1(digest: Uint8Array, count: number): Buffer {
  if (digest.byteLength !== 20) throw new RangeError('expected a 20-byte digest');
  return iterateInMemory(digest, count, (sha) => sha.sha1(count));
}
