import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { withActivation } from '../../src/connectors/activation.js';

const at = (seconds: number) => seconds * 1000;
const cert = (thumbprint: string, notBefore: number, notAfter: number) => ({ thumbprint, notBefore, notAfter });

describe('withActivation (Graph: most recently uploaded, already valid, not expired)', () => {
  test('the most recently uploaded valid certificate is the one active', () => {
    const list = withActivation([cert('A', 100, 1000), cert('B', 200, 1000)], at(500));
    assert.deepEqual(
      list.map((c) => [c.thumbprint, c.isActive]),
      [
        ['A', false],
        ['B', true],
      ],
    );
  });

  test('a newer certificate that is not yet valid leaves the older one active, then takes over by itself', () => {
    const certs = [cert('OLD', 100, 10_000), cert('NEW', 5_000, 20_000)];
    assert.deepEqual(
      withActivation(certs, at(4_999)).map((c) => c.isActive),
      [true, false],
    );
    assert.deepEqual(
      withActivation(certs, at(5_000)).map((c) => c.isActive),
      [false, true],
    );
  });

  test('an expired newest certificate falls back to the older valid one; notAfter itself is expired', () => {
    const certs = [cert('A', 100, 10_000), cert('B', 100, 1_000)];
    assert.deepEqual(
      withActivation(certs, at(999)).map((c) => c.isActive),
      [false, true],
    );
    assert.deepEqual(
      withActivation(certs, at(1_000)).map((c) => c.isActive),
      [true, false],
    );
  });

  test('none is active when every certificate is expired or not yet valid', () => {
    const certs = [cert('EXPIRED', 1, 2), cert('FUTURE', 9_000, 10_000)];
    assert.deepEqual(
      withActivation(certs, at(5_000)).map((c) => c.isActive),
      [false, false],
    );
    assert.deepEqual(withActivation([], at(5_000)), []);
  });

  test('works with notAfter beyond 2^31 and uses whole seconds of the clock', () => {
    const certs = [cert('Y2100', 1_700_000_000, 4_102_444_800)];
    assert.equal(withActivation(certs, 1_700_000_000_999)[0]!.isActive, true);
    assert.equal(withActivation(certs, 1_699_999_999_999)[0]!.isActive, false);
  });
});
