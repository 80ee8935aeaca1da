// decodePkcs12InWorker: the whole decode on worker threads gives exactly what the in-process decodePkcs12 gives
// (results and errors, over the whole fixture corpus), under concurrency, on niced threads, and the pool closes.
// No timing is asserted here (bench/ measures speed).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  closeKdfWorkers,
  configureDecodeWorkers,
  decodePkcs12,
  decodePkcs12InWorker,
  type DecodeOptions,
  type DecodedPkcs12,
  Pkcs12Error,
  type Pkcs12ErrorCode,
} from '../../src/pkcs12/index.js';
import { revivePkcs12Error, serializePkcs12Error } from '../../src/pkcs12/errors.js';
import { fixtureNames, loadFixture } from '../fixtures/index.js';

after(() => closeKdfWorkers());

const NOW = new Date('2026-06-01T00:00:00Z');
type Input = Buffer | Uint8Array | string;
type Outcome = { value: DecodedPkcs12 } | { error: unknown };

async function settle(promise: Promise<DecodedPkcs12>): Promise<Outcome> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

/** The pooled decode settles exactly as the in-process one: deepEqual results (Buffers), or the same error. */
async function assertSame(input: Input, password: string, options: DecodeOptions = { now: NOW }): Promise<Outcome> {
  const [local, pooled] = await Promise.all([
    settle(decodePkcs12(input, password, options)),
    settle(decodePkcs12InWorker(input, password, options)),
  ]);
  if ('error' in local) {
    assert.ok('error' in pooled, 'the in-process decode failed, the pooled one did not');
    assertSameError(pooled.error, local.error);
  } else {
    assert.ok('value' in pooled, `the pooled decode failed: ${'error' in pooled ? String(pooled.error) : ''}`);
    assert.deepEqual(pooled.value, local.value);
    for (const buffer of [pooled.value.leaf.der, pooled.value.privateKeyPkcs8, ...pooled.value.chain]) {
      assert.ok(Buffer.isBuffer(buffer), 'a Buffer came back as something else');
    }
  }
  return pooled;
}

function assertSameError(actual: unknown, expected: unknown): void {
  assert.ok(expected instanceof Pkcs12Error, `in-process decode threw ${String(expected)}`);
  assert.ok(actual instanceof Pkcs12Error, `pooled decode threw ${String(actual)}, not a Pkcs12Error`);
  assert.equal(Object.getPrototypeOf(actual), Object.getPrototypeOf(expected));
  assert.equal(actual.code, expected.code);
  assert.equal(actual.message, expected.message);
  assert.equal(actual.name, expected.name);
  assert.deepEqual(Object.entries(actual), Object.entries(expected));
}

describe('same results as the in-process decode', () => {
  for (const name of fixtureNames()) {
    const fixture = loadFixture(name);
    test(`${name}: ${fixture.expectedError ? `refused with ${fixture.expectedError}` : 'decodes'}`, async () => {
      const outcome = await assertSame(fixture.bytes, fixture.password);
      if (fixture.expectedError) {
        assert.ok('error' in outcome && outcome.error instanceof Pkcs12Error);
        assert.equal(outcome.error.code, fixture.expectedError);
      } else {
        assert.ok('value' in outcome);
        assert.equal(outcome.value.leaf.facts.thumbprint, fixture.expected.thumbprint);
      }
    });
  }

  test('base64 input, the `now` default and the caller keeps its input', async () => {
    const fixture = loadFixture('modern-rsa2048.pfx');
    await assertSame(fixture.base64, fixture.password);
    const input = Buffer.from(fixture.bytes);
    const decoded = await decodePkcs12InWorker(input, fixture.password);
    assert.ok(input.equals(fixture.bytes), 'the input was changed or detached');
    assert.equal(decoded.leaf.facts.thumbprint, fixture.expected.thumbprint);
    assert.deepEqual(
      decoded.warnings.map((w) => w.code),
      [],
    );
  });
});

describe('errors round-trip', () => {
  const modern = loadFixture('modern-rsa2048.pfx');
  const unknownMacDigest = (): Buffer => {
    const bytes = Buffer.from(modern.bytes);
    const sha256Oid = bytes.indexOf(Buffer.from('0609608648016503040201', 'hex'));
    assert.ok(sha256Oid >= 0);
    bytes[sha256Oid + 10] = 0x09; // 2.16.840.1.101.3.4.2.9: no such digest
    return bytes;
  };
  // One input per code; the Record type makes the compiler insist that every code is here.
  const cases: Record<Pkcs12ErrorCode, () => [Input, string, DecodeOptions?]> = {
    notBase64: () => ['MIIK$AgEDMIIJ', 'pw'],
    tooLarge: () => [Buffer.alloc(65_537), 'pw'],
    malformed: () => [modern.bytes.subarray(0, 1000), modern.password],
    wrongPassword: () => [modern.bytes, 'not-the-password'],
    noPrivateKey: () => [loadFixture('cert-only').bytes, 'Fixture-Pass-1'],
    noCertificate: () => [loadFixture('key-only').bytes, 'Fixture-Pass-1'],
    keyMismatch: () => [loadFixture('key-mismatch').bytes, 'Fixture-Pass-1'],
    multipleKeys: () => [loadFixture('multiple-keys').bytes, 'Fixture-Pass-1'],
    unsupportedAlgorithm: () => [unknownMacDigest(), modern.password],
    iterationLimit: () => [modern.bytes, modern.password, { maxTotalIterations: 5000 }],
  };
  for (const [code, make] of Object.entries(cases)) {
    test(`${code}: a real Pkcs12Error with the same code and message`, async () => {
      const [input, password, options] = make();
      const outcome = await assertSame(input, password, options);
      assert.ok('error' in outcome && outcome.error instanceof Pkcs12Error);
      assert.equal(outcome.error.code, code);
      if (password.length >= 3) assert.ok(!outcome.error.message.includes(password), 'message leaks the password');
    });
  }

  test('other fields of a Pkcs12Error survive the trip', () => {
    const error = Object.assign(new Pkcs12Error('malformed', 'The file is not a valid PKCS#12 file.'), {
      where: 'PFX version',
      offset: 4,
    });
    const revived = revivePkcs12Error(structuredClone(serializePkcs12Error(error)));
    assertSameError(revived, error);
    assert.equal((revived as Pkcs12Error & { where: string }).where, 'PFX version');
  });
});

test('20 decodes at once, mixed files and outcomes', async () => {
  const names = ['modern-rsa2048.pfx', 'legacy-3des.pfx', 'ec-p256.pfx', 'chain-intermediates.pfx', 'nomac.pfx'];
  const runs = Array.from({ length: 20 }, (_, i) => {
    const fixture = loadFixture(names[i % names.length]!);
    return assertSame(fixture.bytes, i % 7 === 3 ? 'not-the-password' : fixture.password);
  });
  const outcomes = await Promise.all(runs);
  assert.equal(outcomes.filter((o) => 'error' in o).length, 3);
});

/** Nice value (field 19 of /proc/self/task/TID/stat) of each thread of this process. */
function threadNiceValues(): Map<number, number> {
  const values = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after "(comm)" start at field 3, so field 19 is the 17th of them.
      values.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return values;
}

describe('worker threads', { skip: process.platform !== 'linux' && 'nice values are checked on Linux' }, () => {
  const base = () => threadNiceValues().get(process.pid)!;
  const niced = (increment: number) => {
    const expected = Math.min(19, base() + increment);
    return [...threadNiceValues()].filter(([tid, nice]) => tid !== process.pid && nice === expected && nice !== base());
  };
  const modern = loadFixture('modern-rsa2048.pfx');
  const burst = () => Promise.all(Array.from({ length: 8 }, () => decodePkcs12InWorker(modern.bytes, modern.password)));

  test('run niced (+10 by default), and only they: not the event loop, not the libuv thread pool', async (t) => {
    if (base() >= 19) return t.skip('the process already runs at the lowest priority');
    const before = base();
    await configureDecodeWorkers({ threads: 2 });
    await burst();
    assert.equal(base(), before, 'the main thread was niced');
    const workers = niced(10);
    assert.ok(workers.length >= 1 && workers.length <= 2, `threads at nice +10: ${JSON.stringify(workers)}`);
    t.diagnostic(`nice values: ${JSON.stringify([...threadNiceValues()])}`);
  });

  test('the increment is an option; 0 leaves the priority alone', async (t) => {
    if (base() >= 15) return t.skip('the process already runs at a low priority');
    await configureDecodeWorkers({ threads: 2, niceIncrement: 3 });
    await burst();
    assert.ok(niced(3).length >= 1);
    await configureDecodeWorkers({ threads: 2, niceIncrement: 0 });
    await burst();
    assert.deepEqual(
      [...threadNiceValues().values()].filter((nice) => nice !== base()),
      [],
    );
    await assert.rejects(configureDecodeWorkers({ threads: 0 }), RangeError);
    await assert.rejects(configureDecodeWorkers({ niceIncrement: 25 }), RangeError);
    await configureDecodeWorkers({});
  });

  test('an oversized or non-base64 body never reaches a worker; close stops the threads', async () => {
    await configureDecodeWorkers({ threads: 2 });
    await burst();
    assert.ok(niced(10).length >= 1);
    await closeKdfWorkers();
    assert.deepEqual(niced(10), [], 'a worker thread is still running after close');
    await assert.rejects(decodePkcs12InWorker(Buffer.alloc(70_000), 'pw'), { code: 'tooLarge' });
    await assert.rejects(decodePkcs12InWorker('-----BEGIN PKCS12-----', 'pw'), { code: 'notBase64' });
    assert.deepEqual(niced(10), [], 'the refused inputs started a worker');
    // After a close, the next decode starts the pool again.
    const decoded = await decodePkcs12InWorker(modern.bytes, modern.password);
    assert.equal(decoded.leaf.facts.thumbprint, modern.expected.thumbprint);
    await closeKdfWorkers();
  });
});

test('idle worker threads do not keep the process alive (no close)', () => {
  const index = new URL('../../src/pkcs12/index.ts', import.meta.url).href;
  const fixture = fileURLToPath(new URL('../fixtures/pkcs12/modern-rsa2048.pfx', import.meta.url));
  const password = JSON.stringify(loadFixture('modern-rsa2048.pfx').password);
  // CommonJS -e (--input-type would also apply to the --import), hence the async function and import().
  const script =
    `(async () => {` +
    `const { decodePkcs12InWorker } = await import(${JSON.stringify(index)});` +
    `const { readFileSync } = await import('node:fs');` +
    `const decoded = await decodePkcs12InWorker(readFileSync(${JSON.stringify(fixture)}), ${password});` +
    `console.log(decoded.leaf.facts.thumbprint);` +
    `})();`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.signal, null, 'the process did not exit by itself');
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), loadFixture('modern-rsa2048.pfx').expected.thumbprint);
});

describe('configureDecodeWorkers', () => {
  test('the same settings again leave a running pool alone; new settings replace it', async () => {
    await configureDecodeWorkers({ threads: 1, niceIncrement: 0 });
    const fixture = loadFixture('modern-rsa2048.pfx');
    const first = decodePkcs12InWorker(fixture.bytes, fixture.password);
    await configureDecodeWorkers({ threads: 1, niceIncrement: 0 }); // unchanged: the in-flight decode goes on
    assert.equal((await first).leaf.facts.thumbprint, fixture.expected.thumbprint);
    await configureDecodeWorkers({ threads: 2, niceIncrement: 0 });
    assert.equal(
      (await decodePkcs12InWorker(fixture.bytes, fixture.password)).leaf.facts.thumbprint,
      fixture.expected.thumbprint,
    );
    await configureDecodeWorkers({});
  });
});
