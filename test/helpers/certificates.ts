// Makes many distinct, cheap PKCS#12 files with the openssl CLI (one EC key, one self-signed certificate each),
// for concurrency tests that need hundreds of different thumbprints.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MadePfx {
  base64: string;
  password: string;
  thumbprint: string;
}

export function makePfxFiles(count: number, password = 'concurrency'): MadePfx[] {
  const dir = mkdtempSync(join(tmpdir(), 'pfx-batch-'));
  try {
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'key.pem'], {
      cwd: dir,
    });
    // One shell loop instead of 2×count process spawns from node: much faster.
    const script = `for i in $(seq 1 ${count}); do
      openssl req -x509 -key key.pem -subj "/CN=cert-$i" -set_serial $i -days 30 -out c$i.pem 2>/dev/null &&
      openssl pkcs12 -export -inkey key.pem -in c$i.pem -out c$i.pfx -passout pass:${password} || exit 1
    done`;
    writeFileSync(join(dir, 'make.sh'), script);
    execFileSync('bash', ['make.sh'], { cwd: dir, stdio: 'pipe' });
    return Array.from({ length: count }, (_, k) => {
      const i = k + 1;
      const pem = readFileSync(join(dir, `c${i}.pem`), 'utf8');
      const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
      return {
        base64: readFileSync(join(dir, `c${i}.pfx`)).toString('base64'),
        password,
        thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
