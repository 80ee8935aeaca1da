import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSealer, KekConfigError, SealedValueError, parseKek } from '../../src/secrets/index.js';

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sealer-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const kekBase64 = (): string => randomBytes(32).toString('base64');

/** Flips one bit of the decoded byte at `index` inside dot-separated part `part`. */
function flipBit(sealed: string, part: number, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[index]! ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('createSealer with a configured KEK', () => {
  test('round trip, fresh ciphertext per seal, self-describing format', async () => {
    const sealer = await createSealer({ kek: kekBase64(), dataDir: '/nonexistent/never-used' });
    const secret = Buffer.from('correct horse battery staple', 'utf8');
    const first = sealer.seal(secret, 'tenant-a/connector-1/basic');
    const second = sealer.seal(secret, 'tenant-a/connector-1/basic');
    assert.notEqual(first, second, 'a fresh data key and IV per value');
    assert.match(first, /^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.equal(first.split('.')[1], sealer.kekId);
    assert.ok(!first.includes(secret.toString('base64url')));
    assert.deepEqual(sealer.open(first, 'tenant-a/connector-1/basic'), secret);
    assert.deepEqual(sealer.open(second, 'tenant-a/connector-1/basic'), secret);
    assert.equal(sealer.kekSource, 'environment');
  });

  test('empty and large plaintexts round trip', async () => {
    const sealer = await createSealer({ kek: kekBase64(), dataDir: '/nonexistent' });
    assert.deepEqual(sealer.open(sealer.seal(Buffer.alloc(0), 'c'), 'c'), Buffer.alloc(0));
    const big = randomBytes(256 * 1024);
    assert.deepEqual(sealer.open(sealer.seal(big, 'c'), 'c'), big);
  });

  test('any tampering throws SealedValueError', async () => {
    const sealer = await createSealer({ kek: kekBase64(), dataDir: '/nonexistent' });
    const sealed = sealer.seal(Buffer.from('secret-value'), 'ctx');
    const tampered = [
      flipBit(sealed, 2, 0), // wrapped key IV
      flipBit(sealed, 2, 20), // wrapped key body
      flipBit(sealed, 2, 59), // wrapped key tag
      flipBit(sealed, 3, 0), // payload IV
      flipBit(sealed, 3, 14), // payload body
      flipBit(sealed, 3, 12 + 12 + 15), // payload tag
      sealed.replace(/^v1\./, 'v2.'),
      sealed.slice(0, -4),
      sealed + '.extra',
      'plain text',
      '',
    ];
    for (const value of tampered) {
      assert.throws(() => sealer.open(value, 'ctx'), SealedValueError, `should reject ${value.slice(0, 20)}…`);
    }
  });

  test('a different context throws (a value moved to another record)', async () => {
    const sealer = await createSealer({ kek: kekBase64(), dataDir: '/nonexistent' });
    const sealed = sealer.seal(Buffer.from('pw'), 'tenant-a/c1/basic');
    assert.throws(() => sealer.open(sealed, 'tenant-a/c2/basic'), SealedValueError);
    assert.throws(() => sealer.open(sealed, 'tenant-b/c1/basic'), SealedValueError);
    assert.throws(() => sealer.open(sealed, ''), SealedValueError);
  });

  test('a different KEK throws and names both key ids, never the key', async () => {
    const kek = kekBase64();
    const a = await createSealer({ kek, dataDir: '/nonexistent' });
    const b = await createSealer({ kek: kekBase64(), dataDir: '/nonexistent' });
    assert.notEqual(a.kekId, b.kekId);
    const sealed = a.seal(Buffer.from('pw'), 'ctx');
    assert.throws(
      () => b.open(sealed, 'ctx'),
      (error: unknown) =>
        error instanceof SealedValueError &&
        error.message.includes(a.kekId) &&
        error.message.includes(b.kekId) &&
        !error.message.includes(kek),
    );
    // Even with the kekId forged to match, the wrong key cannot unwrap the data key.
    const forged = sealed.replace(`.${a.kekId}.`, `.${b.kekId}.`);
    assert.throws(() => b.open(forged, 'ctx'), SealedValueError);
  });

  test('two sealers with the same KEK open each other’s values (shared by configuration)', async () => {
    const kek = kekBase64();
    const one = await createSealer({ kek, dataDir: '/nonexistent' });
    const two = await createSealer({ kek, dataDir: '/nonexistent' });
    assert.equal(one.kekId, two.kekId);
    assert.deepEqual(two.open(one.seal(Buffer.from('from one'), 'x'), 'x').toString(), 'from one');
    assert.deepEqual(one.open(two.seal(Buffer.from('from two'), 'x'), 'x').toString(), 'from two');
  });

  test('accepts padded, unpadded, URL-safe base64 and surrounding whitespace', async () => {
    const raw = Buffer.from('fb'.repeat(32), 'hex'); // encodes with + and / in standard base64
    const standard = raw.toString('base64');
    assert.match(standard, /[+/]/);
    const ids = await Promise.all(
      [standard, standard.replace(/=$/, ''), raw.toString('base64url'), ` ${standard}\n`].map(
        async (kek) => (await createSealer({ kek, dataDir: '/nonexistent' })).kekId,
      ),
    );
    assert.equal(new Set(ids).size, 1);
  });

  test('rejects anything that is not base64 of 32 bytes, without echoing it', async () => {
    const bad = [
      '',
      'short',
      randomBytes(16).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(32).toString('hex'),
      randomBytes(32).toString('base64').replace(/^./, '!'),
    ];
    for (const kek of bad) {
      await assert.rejects(
        createSealer({ kek, dataDir: '/nonexistent' }),
        (error: unknown) =>
          error instanceof KekConfigError &&
          error.message.includes('API_CONNECTORS_KEK') &&
          (kek.length < 6 || !error.message.includes(kek)),
      );
    }
    assert.equal(parseKek(randomBytes(31).toString('base64')), undefined);
  });
});

describe('createSealer with a key file', () => {
  test('generates kek.key (0600) in a new data dir (0700) and reuses it on the next start', async () => {
    await withTempDir(async (root) => {
      const dataDir = join(root, 'nested', 'data');
      const first = await createSealer({ dataDir });
      assert.equal(first.kekSource, 'key-file');
      assert.equal(first.keyFile, join(dataDir, 'kek.key'));
      assert.equal((await stat(join(dataDir, 'kek.key'))).mode & 0o777, 0o600);
      assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
      const content = await readFile(join(dataDir, 'kek.key'), 'utf8');
      assert.ok(parseKek(content), 'the file holds base64 of 32 bytes, usable as API_CONNECTORS_KEK');

      const sealed = first.seal(Buffer.from('survives restart'), 'ctx');
      const second = await createSealer({ dataDir });
      assert.equal(second.kekId, first.kekId);
      assert.equal(second.open(sealed, 'ctx').toString(), 'survives restart');

      // The file's content works as API_CONNECTORS_KEK: moving from one instance to many keeps the data readable.
      const configured = await createSealer({ kek: content, dataDir: '/nonexistent' });
      assert.equal(configured.open(sealed, 'ctx').toString(), 'survives restart');
    });
  });

  test('concurrent first starts agree on one key', async () => {
    await withTempDir(async (dataDir) => {
      const sealers = await Promise.all(Array.from({ length: 8 }, () => createSealer({ dataDir })));
      assert.equal(new Set(sealers.map((s) => s.kekId)).size, 1);
    });
  });

  test('refuses a key file readable by group or others', async () => {
    await withTempDir(async (dataDir) => {
      await createSealer({ dataDir });
      await chmod(join(dataDir, 'kek.key'), 0o644);
      await assert.rejects(createSealer({ dataDir }), (error: unknown) => {
        return error instanceof KekConfigError && /chmod 600/.test(error.message) && /644/.test(error.message);
      });
    });
  });

  test('refuses a corrupt key file instead of replacing it', async () => {
    await withTempDir(async (dataDir) => {
      await writeFile(join(dataDir, 'kek.key'), 'not a key\n', { mode: 0o600 });
      await assert.rejects(createSealer({ dataDir }), /corrupt/);
      assert.equal(await readFile(join(dataDir, 'kek.key'), 'utf8'), 'not a key\n');
    });
  });

  test('a configured KEK never touches the data dir', async () => {
    await withTempDir(async (dataDir) => {
      await createSealer({ kek: kekBase64(), dataDir });
      await assert.rejects(stat(join(dataDir, 'kek.key')), { code: 'ENOENT' });
    });
  });
});
