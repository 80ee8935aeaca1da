// Prints a results file (bench/results/latest.json by default) as the Markdown table docs/performance.md keeps.
// Usage: npx tsx bench/table.ts [RESULTS.json]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatMarkdown, type BenchReport } from './lib/report.js';
import { REPO_ROOT } from './lib/server.js';

const file = process.argv[2] ?? join(REPO_ROOT, 'bench', 'results', 'latest.json');
const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
const { machine } = report;
console.log(
  `${report.date.slice(0, 10)}: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryMb} MB, ` +
    `Node ${machine.node}, ${machine.platform}; runner ${report.options.runner}, log level ` +
    `${report.options.logLevel}; ${report.durationSeconds.toFixed(0)} s\n`,
);
console.log(formatMarkdown(report.checks));
