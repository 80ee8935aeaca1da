// Smoke test of the benchmark harness (issue 6): `npm run bench -- --quick` must still run end to end and write a
// results file with every figure and its unit, so the benchmark cannot rot unnoticed. It asserts the shape of the
// results only: timing targets are the benchmark's business, never the test suite's (see docs/performance.md).
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_DATABASE_URL } from '../store/pg-test-db.js';

const UNITS = ['ms', 'req/s', 'MB', 'x', 'count', 's'];

function runQuickBench(args: string[], env: NodeJS.ProcessEnv = {}): any {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--runner', 'tsx', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
}

function assertFigure(figure: any, where: string): void {
  assert.equal(typeof figure?.value, 'number', `${where}: value is a number`);
  assert.ok(Number.isFinite(figure.value), `${where}: value ${figure.value} is finite`);
  assert.ok(UNITS.includes(figure.unit), `${where}: unit ${figure.unit} is one of ${UNITS.join(', ')}`);
}

function assertReport(report: any): void {
  assert.equal(report.schemaVersion, 1);
  assert.ok(!Number.isNaN(Date.parse(report.date)), 'date is an ISO date');
  assert.equal(typeof report.machine.cpuModel, 'string');
  assert.ok(report.machine.cores >= 1);
  assert.match(report.machine.node, /^v\d+\./);
  assert.deepEqual(report.failures, [], 'no measurement failed');
  for (const check of report.checks) {
    const where = check.id;
    assert.ok(check.measurement >= 1 && check.measurement <= 7, `${where}: measurement number`);
    assertFigure(check.value, `${where} value`);
    if (check.reference !== null) {
      assertFigure(check.reference, `${where} reference`);
      assert.equal(typeof check.reference.label, 'string');
      assert.equal(check.reference.unit, check.value.unit, `${where}: reference in the value's unit`);
    }
    if (check.target !== null) {
      assert.ok(['ratio', 'value'].includes(check.target.on), `${where}: target.on`);
      assert.ok(['<=', '<', '>='].includes(check.target.op), `${where}: target.op`);
      assert.equal(typeof check.target.limit, 'number');
      assert.ok(UNITS.includes(check.target.unit), `${where}: target unit`);
      if (check.ratio !== null) assert.equal(typeof check.pass, 'boolean', `${where}: decided when it has a ratio`);
    }
    assert.ok(Object.keys(check.figures).length > 0, `${where}: has supporting figures`);
    for (const [name, figure] of Object.entries(check.figures)) assertFigure(figure, `${where} ${name}`);
  }
}

describe('npm run bench -- --quick', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('runs every measurement on SQLite and writes every figure with its unit', async () => {
    const out = join(dir, 'sqlite.json');
    const run = runQuickBench(['--stores', 'sqlite', '--out', out]);
    assert.equal(run.status, 0, `bench exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
    const report = JSON.parse(await readFile(out, 'utf8'));
    assertReport(report);
    const ids: string[] = report.checks.map((c: any) => c.id);
    for (const prefix of [
      'decode.modern-rsa2048.pfx',
      'decode.legacy-3des.pfx',
      'upload.throughput.sqlite',
      'stalls.get-p99.sqlite',
      'stalls.event-loop.sqlite',
      'reads.get.throughput.sqlite',
      'reads.get.p99.sqlite',
      'reads.list.throughput.sqlite',
      'reads.list.p99.sqlite',
      'size.get.p99.sqlite',
      'size.list.p99.sqlite',
      'size.rss.sqlite',
      'startup.empty.sqlite',
      'startup.populated.sqlite',
    ]) {
      assert.ok(ids.includes(prefix), `${prefix} is in the results (got ${ids.join(', ')})`);
    }
    assert.match(run.stdout, /check\s+store\s+value\s+reference\s+ratio\s+target\s+result/, 'prints the table');
  });

  test('runs on PostgreSQL in a fresh schema (--only filters the measurements)', async () => {
    const out = join(dir, 'postgres.json');
    const run = runQuickBench(['--stores', 'postgres', '--only', 'size', '--out', out], {
      DATABASE_URL: TEST_DATABASE_URL,
    });
    assert.equal(run.status, 0, `bench exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
    const report = JSON.parse(await readFile(out, 'utf8'));
    assertReport(report);
    const measured = new Set(report.checks.map((c: any) => c.id.split('.')[0]));
    assert.deepEqual([...measured], ['size']);
    assert.ok(report.checks.every((c: any) => c.store === 'postgres'));
  });
});
