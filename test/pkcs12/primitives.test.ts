// The hand-written pieces (appendix B KDF, iterated SHA, RC2) against OpenSSL and the RFCs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { bmpPassword, pkcs12Kdf } from '../../src/pkcs12/kdf.js';
import { iterateSha1, iterateSha256, iterateSha512 } from '../../src/pkcs12/sha-iterate.js';
import { rc2CbcDecrypt, rc2DecryptBlock, rc2ExpandKey } from '../../src/pkcs12/rc2.js';
import type { HashName } from '../../src/pkcs12/algorithms.js';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('RFC 7292 appendix B KDF', () => {
  // Expected outputs from `openssl kdf ... -kdfopt hexpass:<BMPString> PKCS12KDF` (OpenSSL 3.0.19).
  const vectors: [HashName, string, string, number, 1 | 2 | 3, number, string][] = [
    ['sha1', 'smeg', '0A58CF64530D823F', 1, 1, 24, '8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3'],
    ['sha1', 'queeg', '05DEC959ACFF72F7', 1000, 2, 8, '11DEDAD7758D4860'],
    [
      'sha256',
      'pässwörd-日本語',
      '0102030405060708',
      2048,
      3,
      32,
      '50DEA7005A09AC27EDE5276203762691BB119727C677374D6511DD046A223CC6',
    ],
    [
      'sha384',
      'x',
      '0102030405060708',
      3,
      1,
      48,
      '37796A38D1B6C917400127185627B03AB9624DCF4D191BE52104D4E0A45867C108AF1EDC5DC49D281312821F11F817A8',
    ],
    ['sha224', 'x', '0102030405060708', 5000, 1, 24, '5854FEB494AFC7A1D0217D58BADD80F2EBDFD1B25EF16F82'],
    [
      'sha512',
      'Fixture-Pass-1',
      '0102030405060708',
      100,
      3,
      64,
      '625B5C267713C246F527BC61394E11FF61C061F8BC8E8278E1005E855B0070E6C754AF0B9C880D9CC471B4747569B326240E5DD3423594B625A4C1411262A339',
    ],
    ['sha1', '', '0102030405060708', 2048, 3, 20, '422271A0229A8E68E59672D9278FE548EB74B013'],
  ];
  for (const [digest, password, salt, iterations, id, length, expected] of vectors) {
    test(`${digest} id ${id}, ${iterations} iterations, password ${JSON.stringify(password)}`, () => {
      const out = pkcs12Kdf({ hash: digest, password: bmpPassword(password), salt: hex(salt), id, iterations, length });
      assert.equal(out.toString('hex').toUpperCase(), expected);
    });
  }

  test('BMPString form: UTF-16BE with a two-byte terminator, surrogate pairs kept', () => {
    assert.deepEqual(bmpPassword(''), Buffer.from([0, 0]));
    assert.deepEqual(bmpPassword('aé'), Buffer.from([0, 0x61, 0, 0xe9, 0, 0]));
    assert.deepEqual(bmpPassword('🔑'), Buffer.from([0xd8, 0x3d, 0xdd, 0x11, 0, 0]));
  });
});

describe('iterated SHA (the WebAssembly one-block compression loop)', () => {
  const cases: [string, (d: Buffer, n: number) => Buffer][] = [
    ['sha1', iterateSha1],
    ['sha256', (d, n) => iterateSha256(d, n)],
    ['sha224', (d, n) => iterateSha256(d, n, true)],
    ['sha512', (d, n) => iterateSha512(d, n, 'sha512')],
    ['sha384', (d, n) => iterateSha512(d, n, 'sha384')],
    ['sha512-256', (d, n) => iterateSha512(d, n, 'sha512-256')],
  ];
  for (const [name, iterate] of cases) {
    test(`${name} equals node:crypto applied repeatedly`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 0, maxLength: 200 }),
          fc.integer({ min: 0, max: 300 }),
          (seed, count) => {
            let expected = hash(name, Buffer.from(seed), 'buffer');
            const start = expected;
            for (let i = 0; i < count; i++) expected = hash(name, expected, 'buffer');
            assert.deepEqual(iterate(start, count), expected);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  test('interleaved chains of different digests do not see each other (one module instance per thread)', () => {
    const a = hash('sha1', 'a', 'buffer');
    const b = hash('sha256', 'b', 'buffer');
    const c = hash('sha384', 'c', 'buffer');
    const expectedA = iterateSha1(a, 5);
    const expectedB = iterateSha256(b, 7);
    const expectedC = iterateSha512(c, 3, 'sha384');
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(iterateSha1(a, 5), expectedA);
      assert.deepEqual(iterateSha512(c, 3, 'sha384'), expectedC);
      assert.deepEqual(iterateSha256(b, 7), expectedB);
    }
    assert.deepEqual(iterateSha1(a.subarray(0), 0), a, 'zero iterations return the digest');
  });

  test('wrong digest lengths and counts that the module could not count down are refused', () => {
    const digest = hash('sha256', 'x', 'buffer');
    assert.throws(() => iterateSha256(digest.subarray(0, 20), 1), RangeError);
    assert.throws(() => iterateSha256(digest, 1, true), RangeError);
    assert.throws(() => iterateSha1(digest, 1), RangeError);
    assert.throws(() => iterateSha512(digest, 1, 'sha384'), RangeError);
    assert.throws(() => iterateSha512(hash('sha512', 'x', 'buffer'), -1, 'sha512'), RangeError);
    for (const count of [-1, 1.5, 2 ** 31, Number.NaN]) assert.throws(() => iterateSha256(digest, count), RangeError);
  });

  test('the committed module is what scripts/build-wasm.mjs compiles from sha-iterate.wat', async () => {
    // @ts-expect-error: a plain .mjs script without type declarations
    const { compileShaIterate, generatedModule } = await import('../../scripts/build-wasm.mjs');
    const committed = await readFile(new URL('../../src/pkcs12/sha-iterate-wasm.ts', import.meta.url), 'utf8');
    assert.equal(committed, generatedModule(await compileShaIterate()), 'run `npm run build:wasm`');
  });
});

describe('RC2 (RFC 2268)', () => {
  // RFC 2268 section 5: key, effective bits, plaintext, ciphertext.
  const vectors: [string, number, string, string][] = [
    ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
    ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
    ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
    ['88', 64, '0000000000000000', '61a8a244adacccf0'],
    ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
    ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
    ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
    ['88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e', 129, '0000000000000000', '5b78d3a43dfff1f1'],
  ];
  for (const [key, bits, plain, cipher] of vectors) {
    test(`decrypts the ${key.length / 2}-byte key / ${bits}-bit vector`, () => {
      const block = hex(cipher);
      rc2DecryptBlock(rc2ExpandKey(hex(key), bits), block);
      assert.equal(block.toString('hex'), plain);
    });
  }

  test('CBC mode refuses bad lengths and bad padding', () => {
    const key = randomBytes(5);
    assert.throws(() => rc2CbcDecrypt(key, 40, Buffer.alloc(8), Buffer.alloc(12)), { name: 'DecryptionFailed' });
    assert.throws(() => rc2CbcDecrypt(key, 40, Buffer.alloc(8), Buffer.alloc(0)), { name: 'DecryptionFailed' });
    // Random ciphertext almost never ends in valid padding; run enough keys to see the refusal.
    let refused = 0;
    for (let i = 0; i < 20; i++) {
      try {
        rc2CbcDecrypt(randomBytes(5), 40, randomBytes(8), randomBytes(16));
      } catch {
        refused++;
      }
    }
    assert.ok(refused >= 10);
  });
});
