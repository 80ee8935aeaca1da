// Mutation fuzzing over valid fixtures: whatever the bytes, decodePkcs12 ends in a result or a Pkcs12Error,
// never another exception or a hang. Runs are bounded so the file stays well under 30 s.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { closeKdfWorkers, decodePkcs12, Pkcs12Error } from '../../src/pkcs12/index.js';
import { loadFixture } from '../fixtures/index.js';

after(() => closeKdfWorkers());

// Small iteration counts keep each run to milliseconds; mutated counts above these caps are refused cheaply.
const OPTIONS = { maxIterations: 50_000, maxTotalIterations: 200_000 };
const CORPUS = [
  'modern-rsa2048.pfx',
  'legacy-rc2-40.pfx',
  'nomac.pfx',
  'unencrypted-nomac.pfx',
  'unencrypted.pfx',
  'nss-style-ber.pfx',
  'ber-inner-nomac.pfx',
  'ec-p256.pfx',
].map((name) => loadFixture(name));

/** Offsets of definite-length headers in a DER/BER blob (walks constructed elements; stops at garbage). */
function lengthFields(bytes: Buffer): { at: number; width: number }[] {
  const found: { at: number; width: number }[] = [];
  const stack: [number, number][] = [[0, bytes.length]];
  while (stack.length > 0 && found.length < 500) {
    const [start, end] = stack.pop()!;
    let offset = start;
    while (offset + 2 <= end) {
      const tag = bytes[offset]!;
      const first = bytes[offset + 1]!;
      let length = first;
      let width = 1;
      if (first === 0x80) break; // indefinite: not a length field to tamper with
      if (first & 0x80) {
        width = 1 + (first & 0x7f);
        length = 0;
        for (let i = 1; i < width; i++) length = length * 256 + (bytes[offset + 1 + i] ?? 0);
      }
      found.push({ at: offset + 1, width });
      const contentStart = offset + 1 + width;
      if (tag & 0x20) stack.push([contentStart, Math.min(end, contentStart + length)]);
      offset = contentStart + length;
    }
  }
  return found;
}

async function endsWell(input: Buffer | string, password: string): Promise<void> {
  try {
    const decoded = await decodePkcs12(input, password, OPTIONS);
    assert.equal(decoded.leaf.facts.thumbprint.length, 40);
  } catch (error) {
    if (!(error instanceof Pkcs12Error)) throw error;
    assert.ok(error.message.length > 0);
    if (password.length >= 8) assert.ok(!error.message.includes(password), 'message contains the password');
  }
}

const fixtureIndex = fc.integer({ min: 0, max: CORPUS.length - 1 });
const RUN = { numRuns: 400, timeout: 10_000 };

describe('mutation fuzz', () => {
  test('truncations', async () => {
    await fc.assert(
      fc.asyncProperty(fixtureIndex, fc.double({ min: 0, max: 1, noNaN: true }), async (i, fraction) => {
        const f = CORPUS[i]!;
        await endsWell(f.bytes.subarray(0, Math.floor(f.bytes.length * fraction)), f.password);
      }),
      RUN,
    );
  });

  test('bit flips', async () => {
    await fc.assert(
      fc.asyncProperty(
        fixtureIndex,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }),
        async (i, flips) => {
          const f = CORPUS[i]!;
          const bytes = Buffer.from(f.bytes);
          for (const [position, bit] of flips) bytes[position % bytes.length]! ^= 1 << bit;
          await endsWell(bytes, f.password);
        },
      ),
      RUN,
    );
  });

  test('length-field tampering', async () => {
    await fc.assert(
      fc.asyncProperty(fixtureIndex, fc.nat(), fc.integer({ min: 0, max: 0xffff }), async (i, pick, value) => {
        const f = CORPUS[i]!;
        const bytes = Buffer.from(f.bytes);
        const fields = lengthFields(bytes);
        const field = fields[pick % Math.max(1, fields.length)];
        if (!field) return endsWell(bytes, f.password);
        if (field.width === 1) bytes[field.at] = value & 0xff;
        else bytes[field.at + field.width - 1] = value & 0xff;
        if (field.width > 2) bytes[field.at + field.width - 2] = value >> 8;
        await endsWell(bytes, f.password);
      }),
      RUN,
    );
  });

  test('inserted and deleted byte runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fixtureIndex,
        fc.nat(),
        fc.uint8Array({ maxLength: 16 }),
        fc.nat({ max: 16 }),
        async (i, at, insert, drop) => {
          const f = CORPUS[i]!;
          const position = at % f.bytes.length;
          const bytes = Buffer.concat([f.bytes.subarray(0, position), insert, f.bytes.subarray(position + drop)]);
          await endsWell(bytes, f.password);
        },
      ),
      RUN,
    );
  });

  test('deep nesting, definite and indefinite, alone and around a valid file', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20_000 }),
        fc.boolean(),
        fc.boolean(),
        async (depth, indefinite, wrap) => {
          const open = Buffer.from(indefinite ? [0x30, 0x80] : [0x30, 0x84, 0, 0, 0, 0]);
          const core = wrap ? CORPUS[0]!.bytes : Buffer.from([0x05, 0x00]);
          const bytes = Buffer.concat([
            Buffer.concat(Array(Math.min(depth, 10_000)).fill(open)),
            core,
            Buffer.alloc(indefinite ? 2 * Math.min(depth, 10_000) : 0),
          ]);
          await endsWell(bytes.subarray(0, 65_536), 'pw');
          await endsWell(bytes.subarray(0, 65_536).toString('base64'), 'pw');
        },
      ),
      { numRuns: 40, timeout: 10_000 },
    );
  });

  test('random bytes and random strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.string({ maxLength: 200 }), async (bytes, text) => {
        await endsWell(Buffer.from(bytes), 'pw');
        await endsWell(text, text);
      }),
      { numRuns: 200, timeout: 10_000 },
    );
  });
});
