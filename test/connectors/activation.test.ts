import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { activationWindow, withActivation } from '../../src/connectors/activation.js';

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

describe('activationWindow (how long a rendering of isActive stays right)', () => {
  test('spans from the last boundary at or before now to the first after it; notBefore and notAfter both count', () => {
    const certs = [cert('A', 100, 1000), cert('B', 200, 500)];
    assert.deepEqual(activationWindow(certs, at(300)), { from: 200, until: 500 });
    assert.deepEqual(activationWindow(certs, at(500)), { from: 500, until: 1000 });
    assert.deepEqual(activationWindow(certs, at(499) + 999), { from: 200, until: 500 }, 'whole seconds');
    assert.deepEqual(activationWindow(certs, at(50)), { from: -Infinity, until: 100 });
    assert.deepEqual(activationWindow(certs, at(2000)), { from: 1000, until: Infinity });
    assert.deepEqual(activationWindow([], at(1)), { from: -Infinity, until: Infinity });
  });

  test('within the window, withActivation answers the same for every certificate (property)', () => {
    const certificate = fc
      .tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 50 }))
      .map(([notBefore, length]) => cert('x', notBefore, notBefore + length));
    fc.assert(
      fc.property(
        fc.array(certificate, { maxLength: 6 }),
        fc.integer({ min: -5, max: 120 }),
        fc.integer({ min: -5, max: 120 }),
        (certs, first, second) => {
          const { from, until } = activationWindow(certs, at(first));
          const expected = withActivation(certs, at(first)).map((c) => c.isActive);
          if (second >= from && second < until) {
            assert.deepEqual(
              withActivation(certs, at(second)).map((c) => c.isActive),
              expected,
            );
          }
        },
      ),
    );
  });
});
