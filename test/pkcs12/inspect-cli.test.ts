// `api-connectors inspect` end to end: spawn the real CLI entry point on fixtures.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadFixture } from '../fixtures/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'pkcs12');

function inspect(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'inspect', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('api-connectors inspect', () => {
  test('human-readable report of a good file: facts, chain, protection, no warnings', () => {
    const fixture = loadFixture('chain-intermediates.pfx');
    const out = inspect([
      join(FIXTURES, fixture.file),
      '--password',
      fixture.password,
      '--now',
      '2026-06-01T00:00:00Z',
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`Thumbprint: +${fixture.expected.thumbprint}`));
    assert.match(out.stdout, /Not after: +2045-01-01T00:00:00Z \(2366841600\)/);
    assert.match(out.stdout, /Key: +RSA 2048 bits/);
    assert.match(out.stdout, /Chain: +.*Intermediate CA <- .*Root CA/);
    assert.match(out.stdout, /MAC: +HMAC-SHA-256, 2,048 iterations/);
    assert.match(out.stdout, /Warnings:\n {2}none/);
    assert.ok(!out.stdout.includes(fixture.password));
    assert.ok(!/PRIVATE KEY|privateKey/i.test(out.stdout));
  });

  test('--json with warnings, password from $PFX_PASSWORD', () => {
    const fixture = loadFixture('legacy-rc2-40.pfx');
    const out = inspect([join(FIXTURES, fixture.file), '--json', '--now', '2050-01-01T00:00:00Z'], {
      PFX_PASSWORD: fixture.password,
    });
    assert.equal(out.code, 0, out.stderr);
    const report = JSON.parse(out.stdout);
    assert.equal(report.certificate.thumbprint, fixture.expected.thumbprint);
    assert.equal(report.certificate.notBefore, fixture.expected.notBefore);
    assert.deepEqual(
      report.warnings.map((w: { code: string }) => w.code),
      ['expired', 'legacyAlgorithm'],
    );
    assert.equal(report.protection.mac.name, 'HMAC-SHA-1');
    assert.equal(report.privateKeyPkcs8, undefined);
  });

  test('refused files exit 1 with the error code, in text and JSON', () => {
    const wrong = inspect([join(FIXTURES, 'modern-rsa2048.pfx'), '--password', 'not-the-password']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^error \[wrongPassword\]: The password is wrong/m);
    assert.ok(!wrong.stderr.includes('not-the-password'));
    const mismatch = inspect([join(FIXTURES, 'key-mismatch.pfx'), '-p', 'Fixture-Pass-1', '--json']);
    assert.equal(mismatch.code, 1);
    assert.equal(JSON.parse(mismatch.stdout).error.code, 'keyMismatch');
    const missing = inspect([join(FIXTURES, 'no-such-file.pfx')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*no-such-file\.pfx \(ENOENT\)/);
  });
});
