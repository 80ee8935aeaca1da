// Measurement 1: our PKCS#12 decode vs OpenSSL's native parse of the same file in the same process. The timing
// loop is bench/decode.ts (benchDecode, owned with src/pkcs12); this turns its results into checks.
import { createSecureContext } from 'node:tls';
import { benchDecode } from '../decode.js';
import { closeKdfWorkers } from '../../src/pkcs12/index.js';
import { loadFixture } from '../../test/fixtures/index.js';
import { median } from '../lib/load.js';
import { check, fig, type Check } from '../lib/report.js';

/** The fixture set: modern AES/PBKDF2, legacy 3DES and RC2, 100k and 600k iterations. */
export const DECODE_FIXTURES = [
  'modern-rsa2048.pfx',
  'legacy-3des.pfx',
  'legacy-rc2-40.pfx',
  'iter-100k.pfx',
  'iter-600k.pfx',
];
export const QUICK_DECODE_FIXTURES = ['modern-rsa2048.pfx', 'legacy-3des.pfx'];

export async function measureDecode(quick: boolean): Promise<Check[]> {
  const wanted = quick ? QUICK_DECODE_FIXTURES : DECODE_FIXTURES;
  // benchDecode matches by substring: keep only the exact files asked for.
  const results = (await benchDecode(wanted)).filter((r) => wanted.includes(r.fixture));
  await closeKdfWorkers();
  return results.map((r) =>
    check({
      id: `decode.${r.fixture}`,
      measurement: 1,
      name: `decode ${r.fixture} (${r.kind})`,
      store: null,
      value: fig(r.oursMedianMs, 'ms'),
      reference: r.nativeMedianMs === null ? null : { ...fig(r.nativeMedianMs, 'ms'), label: 'native' },
      target: { on: 'ratio', op: '<=', limit: r.target, unit: 'x' },
      figures: {
        oursMedian: fig(r.oursMedianMs, 'ms'),
        ...(r.nativeMedianMs === null ? {} : { nativeMedian: fig(r.nativeMedianMs, 'ms') }),
      },
      ...(r.nativeMedianMs === null
        ? { note: 'OpenSSL 3 (tls.createSecureContext) refuses this file: no native reference' }
        : {}),
    }),
  );
}

/** Median native parse time of one fixture (tls.createSecureContext), for the upload floor. */
export function nativeDecodeMs(name: string, runs = 41): number {
  const fixture = loadFixture(name);
  const times: number[] = [];
  for (let i = 0; i < runs + 5; i++) {
    const start = performance.now();
    createSecureContext({ pfx: fixture.bytes, passphrase: fixture.password });
    if (i >= 5) times.push(performance.now() - start); // the first few warm OpenSSL up
  }
  return median(times);
}
