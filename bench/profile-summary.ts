// Summarises V8 .cpuprofile files (from `node --cpu-prof`) by where the time went: self time per npm package or
// per project file, and the hottest functions. A reading aid for the profiles docs/performance.md talks about.
// Usage: npx tsx bench/profile-summary.ts PROFILE.cpuprofile [--top 25] [--by package|file|function|inclusive]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export type Grouping = 'package' | 'file' | 'function' | 'inclusive';

export interface ProfileLine {
  name: string;
  selfMs: number;
  share: number;
}

/** Where a frame belongs: an npm package, a project file, node's own modules, or V8/GC pseudo-frames. */
function groupOf(frame: ProfileNode['callFrame'], by: Grouping): string {
  const url = frame.url;
  if (!url) return frame.functionName ? `(${frame.functionName.replace(/[()]/g, '')})` : '(native)';
  if (url.startsWith('node:')) return by === 'function' ? `${frame.functionName || '(anonymous)'} ${url}` : url;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    const pkg = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    if (by === 'package') return pkg;
    if (by === 'file') return `${pkg}/${rest.slice(pkg.split('/').length).join('/')}`;
    return `${frame.functionName || '(anonymous)'} ${pkg}`;
  }
  const project = url.replace(/^file:\/\//, '').replace(/^.*?\/(src|dist|bench|test)\//, '$1/');
  if (by === 'package') return project.split('/').slice(0, 2).join('/');
  if (by === 'file') return project;
  return `${frame.functionName || '(anonymous)'} ${project}:${frame.lineNumber + 1}`;
}

/** Total (self + callees) time per function, each function counted once per stack (recursion-safe). */
function inclusiveTotals(profile: CpuProfile, selfMicros: Map<number, number>): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const key = groupOf(byId.get(current)!.callFrame, 'function');
      if (seen.has(key)) continue;
      seen.add(key);
      totals.set(key, (totals.get(key) ?? 0) + micros);
    }
  }
  return totals;
}

export function summariseProfile(profile: CpuProfile, by: Grouping): { totalMs: number; lines: ProfileLine[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // Each sample's time is the delta to the next one: attribute it to the sampled node.
  for (let i = 0; i < samples.length; i++) {
    const delta = deltas[i + 1] ?? 0;
    selfMicros.set(samples[i]!, (selfMicros.get(samples[i]!) ?? 0) + delta);
  }
  let totals = new Map<string, number>();
  if (by === 'inclusive') totals = inclusiveTotals(profile, selfMicros);
  else {
    for (const [id, micros] of selfMicros) {
      const node = byId.get(id);
      if (!node) continue;
      const key = groupOf(node.callFrame, by);
      totals.set(key, (totals.get(key) ?? 0) + micros);
    }
  }
  const totalMicros = profile.endTime - profile.startTime;
  const lines = [...totals.entries()]
    .map(([name, micros]) => ({ name, selfMs: micros / 1000, share: micros / totalMicros }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { totalMs: totalMicros / 1000, lines };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const index = args.indexOf(name);
    return index >= 0 ? args.splice(index, 2)[1] : undefined;
  };
  const top = Number(option('--top') ?? 25);
  const by = (option('--by') ?? 'package') as Grouping;
  for (const file of args) {
    const { totalMs, lines } = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, by);
    console.log(
      `${file}: ${totalMs.toFixed(0)} ms profiled, ${by === 'inclusive' ? 'total time by function' : `self time by ${by}`}`,
    );
    for (const line of lines.slice(0, top)) {
      console.log(
        `  ${line.selfMs.toFixed(1).padStart(8)} ms  ${(line.share * 100).toFixed(1).padStart(5)}%  ${line.name}`,
      );
    }
  }
}
