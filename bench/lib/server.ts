// Server processes for the benchmark, started the way users start them: the real `api-connectors serve` command
// (compiled dist/ by default, what `npm start` runs) on port 0; the URL is read from the line it prints on stdout.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../../src/config.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROBE = fileURLToPath(new URL('./event-loop-probe.mjs', import.meta.url));

/** dist: node dist/cli/main.js; tsx: node --import tsx src/cli/main.ts; npm: `npm start` (start-up overhead only). */
export type Runner = 'dist' | 'tsx' | 'npm';

export interface ServerOptions {
  runner: Runner;
  dataDir: string;
  databaseUrl?: string;
  /** Extra `serve` flags. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Preload the event-loop probe and open an IPC channel to it. */
  probe?: boolean;
  /** Write a V8 CPU profile of the server into this directory (node --cpu-prof). */
  profileDir?: string;
}

export interface EventLoopStats {
  maxMs: number;
  p99Ms: number;
  meanMs: number;
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** Milliseconds from spawn to the printed URL line. */
  listeningMs: number;
  startedAt: number;
  /** Resident set size now and at its peak (Linux /proc; the runner's own process for `npm`). */
  memory(): { rssMb: number; peakRssMb: number };
  /** CPU time the process has used so far (user + system, all its threads), in milliseconds. */
  cpuMs(): number;
  resetEventLoop(): Promise<void>;
  readEventLoop(): Promise<EventLoopStats>;
  output(): string;
  stop(): Promise<void>;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** True when some src/**.ts has no dist/**.js at least as new (a stale build would measure old code). */
export function distIsStale(): boolean {
  const src = join(REPO_ROOT, 'src');
  return walk(src)
    .filter((file) => file.endsWith('.ts'))
    .some((file) => {
      const built = join(REPO_ROOT, 'dist', relative(src, file).replace(/\.ts$/, '.js'));
      return !existsSync(built) || statSync(built).mtimeMs < statSync(file).mtimeMs;
    });
}

/** `npm run build` when dist/ is stale. tsc emits even when it reports type errors; those are returned as a note. */
export function ensureBuilt(log: (line: string) => void): string | undefined {
  if (!distIsStale()) return undefined;
  log('dist/ is older than src/: running npm run build');
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status === 0) return undefined;
  return `npm run build reported errors (dist/ was still emitted): ${(result.stdout + result.stderr).trim().slice(0, 500)}`;
}

function commandFor(options: ServerOptions): { command: string; args: string[] } {
  const nodeFlags = [
    ...(options.probe ? ['--import', PROBE] : []),
    ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []),
  ];
  const serve = ['serve', '--port', '0', '--data-dir', options.dataDir, ...(options.args ?? [])];
  if (options.databaseUrl) serve.push('--database-url', options.databaseUrl);
  switch (options.runner) {
    case 'dist':
      return { command: process.execPath, args: [...nodeFlags, 'dist/cli/main.js', ...serve] };
    case 'tsx':
      return { command: process.execPath, args: ['--import', 'tsx', ...nodeFlags, 'src/cli/main.ts', ...serve] };
    case 'npm':
      if (nodeFlags.length > 0) throw new Error('the npm runner takes no node flags');
      return { command: 'npm', args: ['start', '--silent', '--', ...serve.slice(1)] };
  }
}

function readStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** utime + stime from /proc/PID/stat (fields 14 and 15, in clock ticks of 10 ms on Linux). */
function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the command name may contain spaces
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function startServer(options: ServerOptions): Promise<ServerProcess> {
  const { command, args } = commandFor(options);
  return spawnListening(command, args, {
    env: options.env ?? {},
    ipc: options.probe === true,
    // The npm runner starts sh and node under it: a process group lets stop() reach all of them.
    group: options.runner === 'npm',
  });
}

const BARE_SERVER = fileURLToPath(new URL('./bare-server.mjs', import.meta.url));

/** The bare fastify reference (bench/lib/bare-server.mjs), answering /item and /list with the given files. */
export function startBareServer(bodyFiles: [item: string, list: string] | [] = []): Promise<ServerProcess> {
  return spawnListening(process.execPath, [BARE_SERVER, ...bodyFiles], { env: {}, ipc: false, group: false });
}

/**
 * The bench's environment without any server setting (DATABASE_URL would turn a SQLite server into a PostgreSQL
 * one, a KEK would not match the data dir's), at the shipping default log level (info: a line per request).
 */
function serverEnvironment(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const setting of SETTINGS) delete env[setting.env];
  return { ...env, LOG_LEVEL: 'info', ...overrides };
}

let logDir: string | undefined;
let logCount = 0;

/** Removes the directory of server log files (at the end of a run). */
export function removeServerLogs(): void {
  if (logDir) rmSync(logDir, { recursive: true, force: true });
  logDir = undefined;
}

/**
 * Spawns a server and waits for the URL it prints. Its stdout/stderr go to a file, not a pipe to this process:
 * writes to a pipe block the server (stdout pipes are synchronous on Linux) whenever this process, busy generating
 * load, drains it late, and that would measure the bench instead of the server. The file is deleted on stop.
 */
async function spawnListening(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; ipc: boolean; group: boolean },
): Promise<ServerProcess> {
  logDir ??= mkdtempSync(join(tmpdir(), 'api-connectors-bench-logs-'));
  const logFile = join(logDir, `server-${++logCount}.log`);
  const logFd = openSync(logFile, 'w');
  const startedAt = performance.now();
  const child: ChildProcess = spawn(command, args, {
    cwd: REPO_ROOT,
    env: serverEnvironment(options.env),
    stdio: ['ignore', logFd, logFd, ...(options.ipc ? (['ipc'] as const) : [])],
    detached: options.group,
  });
  closeSync(logFd);
  const output = () => {
    const fd = openSync(logFile, 'r');
    try {
      const buffer = Buffer.alloc(64_000);
      return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString();
    } finally {
      closeSync(fd);
    }
  };
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code ?? -1));
  const url = await (async () => {
    const deadline = startedAt + 60_000;
    for (;;) {
      const match = /at (https?:\/\/[^\s/]+)\//.exec(output());
      if (match) return match[1]!;
      if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before listening:\n${output()}`);
      if (performance.now() > deadline) throw new Error(`server did not start in 60 s:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  const listeningMs = performance.now() - startedAt;
  const pid = child.pid!;

  const ask = <T>(message: string, reply: string) =>
    new Promise<T>((resolve, reject) => {
      if (!child.send) return reject(new Error('server started without the event-loop probe'));
      const onMessage = (answer: unknown) => {
        if (typeof answer === 'object' && answer !== null && (answer as { type?: unknown }).type === reply) {
          child.off('message', onMessage);
          resolve(answer as T);
        }
      };
      child.on('message', onMessage);
      child.send(message);
    });

  return {
    url,
    pid,
    listeningMs,
    startedAt,
    memory: () => ({ rssMb: readStatusMb(pid, 'VmRSS'), peakRssMb: readStatusMb(pid, 'VmHWM') }),
    cpuMs: () => readCpuMs(pid),
    resetEventLoop: async () => void (await ask('event-loop:reset', 'event-loop:reset')),
    readEventLoop: async () => {
      const { maxMs, p99Ms, meanMs } = await ask<EventLoopStats>('event-loop:read', 'event-loop:stats');
      return { maxMs, p99Ms, meanMs };
    },
    output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      const kill = (signal: NodeJS.Signals) => {
        try {
          if (options.group) process.kill(-pid, signal);
          else child.kill(signal);
        } catch {
          // already gone
        }
      };
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(logFile, { force: true });
    },
  };
}

/** One HTTP request with node:http (fetch would load undici on first use, inside the timed start-up window). */
export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** GETs `path` until it answers 200; resolves to the time of that answer (performance.now()). */
export async function waitFor200(url: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    try {
      const response = await httpRequest(url + path, { headers });
      if (response.status === 200) return performance.now();
    } catch {
      // not accepting connections yet
    }
    if (performance.now() > deadline) throw new Error(`${url}${path} did not answer 200 within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
