// The shape of bench/results/latest.json and the printed table. Every number is a Figure (value + unit); every
// check compares a figure with a reference measured in the same run and says whether it meets its target.
import { availableParallelism, cpus, release, totalmem } from 'node:os';

export type Unit = 'ms' | 'req/s' | 'MB' | 'x' | 'count' | 's';

export interface Figure {
  value: number;
  unit: Unit;
}

export type StoreKind = 'sqlite' | 'postgres';

/**
 * What a check passes on: the ratio to its reference (`ratio`), or the value itself (`value`, for absolute
 * targets such as RSS < 150 MB). `<=`/`<` are ceilings, `>=` floors.
 */
export interface Target {
  on: 'ratio' | 'value';
  op: '<=' | '<' | '>=';
  limit: number;
  unit: Unit;
}

export interface Check {
  /** Stable key for comparing runs, e.g. `reads.get.throughput.sqlite`. */
  id: string;
  /** Issue 6 measurement number (1-7). */
  measurement: number;
  name: string;
  store: StoreKind | null;
  value: Figure;
  reference: (Figure & { label: string }) | null;
  /** value / reference; null when there is no reference (e.g. native OpenSSL cannot parse the file). */
  ratio: number | null;
  /** null for figures the issue asks to report without a target (e.g. the worst event-loop delay). */
  target: Target | null;
  /** null when the check could not be decided (no reference) or has no target. */
  pass: boolean | null;
  /** Supporting figures: percentiles, counts, the reference's own figures. */
  figures: Record<string, Figure>;
  note?: string;
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryMb: number;
  node: string;
  platform: string;
  kernel: string;
}

export interface BenchReport {
  schemaVersion: 1;
  date: string;
  machine: Machine;
  options: { quick: boolean; only: string[]; stores: StoreKind[]; runner: string; logLevel: string };
  durationSeconds: number;
  checks: Check[];
  /** Measurements that threw, with the message (the run continues with the others). */
  failures: Array<{ measurement: string; store: StoreKind | null; error: string }>;
}

export function machineInfo(): Machine {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryMb: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
  };
}

export const fig = (value: number, unit: Unit): Figure => ({ value, unit });

/** Builds a check, computing the ratio and the verdict from the target. */
export function check(input: Omit<Check, 'ratio' | 'pass'> & { ratio?: number | null }): Check {
  const ratio =
    input.ratio !== undefined
      ? input.ratio
      : input.reference && input.reference.value > 0
        ? input.value.value / input.reference.value
        : null;
  const subject = input.target === null ? null : input.target.on === 'ratio' ? ratio : input.value.value;
  let pass: boolean | null = null;
  if (input.target !== null && subject !== null && Number.isFinite(subject)) {
    const { op, limit } = input.target;
    pass = op === '<=' ? subject <= limit : op === '<' ? subject < limit : subject >= limit;
  }
  return { ...input, ratio, pass };
}

function formatFigure(figure: Figure | null): string {
  if (!figure) return '-';
  const { value, unit } = figure;
  const digits = unit === 'req/s' || unit === 'count' ? 0 : Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

function formatTarget(target: Target | null): string {
  if (target === null) return 'report only';
  const what = target.on === 'ratio' ? 'ratio' : 'value';
  return `${what} ${target.op} ${target.limit}${target.unit === 'x' ? 'x' : ` ${target.unit}`}`;
}

function verdict(c: Check): string {
  if (c.target === null) return '-';
  return c.pass === null ? 'n/a' : c.pass ? 'pass' : 'FAIL';
}

export function formatTable(checks: Check[]): string {
  const header = ['#', 'check', 'store', 'value', 'reference', 'ratio', 'target', 'result'];
  const rows = checks.map((c) => [
    String(c.measurement),
    c.name,
    c.store ?? '-',
    formatFigure(c.value),
    c.reference ? `${formatFigure(c.reference)} (${c.reference.label})` : '-',
    c.ratio === null ? 'n/a' : `${c.ratio.toFixed(2)}x`,
    formatTarget(c.target),
    verdict(c),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The same table as Markdown, for docs/performance.md. */
export function formatMarkdown(checks: Check[]): string {
  const rows = checks.map(
    (c) =>
      `| ${c.measurement} | ${c.name} | ${c.store ?? '-'} | ${formatFigure(c.value)} | ` +
      `${c.reference ? `${formatFigure(c.reference)} (${c.reference.label})` : '-'} | ` +
      `${c.ratio === null ? 'n/a' : `${c.ratio.toFixed(2)}x`} | ${formatTarget(c.target)} | ` +
      `${verdict(c).replace('FAIL', '**FAIL**')} |`,
  );
  return [
    '| # | check | store | value | reference | ratio | target | result |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
