// Child process for the cross-process SQLite test (not a test file itself). It says "ready", waits for "go" on stdin
// (so all children start together, past their slow tsx start-up), opens the store in `dataDir` — racing the others
// through migrations — then runs its share of creates or appends and prints the outcomes as JSON.
import { once } from 'node:events';
import { openStore } from '../../src/store/index.js';
import { cert } from './contract.js';

const [mode, dataDir, childIndex] = process.argv.slice(2);
const child = Number(childIndex);
process.stdout.write('ready\n');
await once(process.stdin, 'data');
process.stdin.destroy();
const repo = await openStore({ dataDir: dataDir! });
const outcomes: string[] = [];
if (mode === 'create') {
  for (let i = 0; i < 20; i++) {
    const result = await repo.create(
      {
        tenantId: 't',
        id: `child${child}-${i}`,
        displayName: 'd',
        targetUrl: 'https://x.test',
        auth: { kind: 'certificate', certificates: [] },
        now: Date.now(),
      },
      20,
    );
    outcomes.push(result.ok ? 'ok' : result.reason);
  }
} else if (mode === 'append') {
  for (let i = 0; i < 100; i++) {
    const row = await repo.appendCertificate('t', 'shared', cert(child * 1000 + i), Date.now());
    outcomes.push(row ? 'ok' : 'missing');
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
await repo.close();
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
