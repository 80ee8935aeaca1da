// `api-connectors inspect FILE.pfx`: the validation report for a PKCS#12 file, without a server. Prints the
// facts uploadClientCertificate would store and the warnings; exits 1 with the error code when the file would
// be refused. Never prints the password or the private key.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { type DecodedPkcs12, Pkcs12Error } from '../pkcs12/types.js';

export interface InspectOptions {
  password?: string;
  json?: boolean;
  now?: string;
}

/** Environment variable read when --password is absent (keeps the password out of `ps` and shell history). */
export const PASSWORD_ENV = 'PFX_PASSWORD';

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
const count = (n: number | undefined) => (n === undefined ? '' : `${n.toLocaleString('en-US')} iterations`);

function chainSummary(chain: Buffer[]): { subject: string; issuer: string; thumbprint: string }[] {
  return chain.map((der) => {
    const cert = new X509Certificate(der);
    const rfc4514 = (name: string) => name.split('\n').filter(Boolean).reverse().join(',');
    return {
      subject: rfc4514(cert.subject),
      issuer: rfc4514(cert.issuer),
      thumbprint: cert.fingerprint.replace(/:/g, ''),
    };
  });
}

/** The JSON report (also the data behind the human-readable one). Contains no key material. */
export function inspectReport(file: string, size: number, decoded: DecodedPkcs12) {
  return {
    file,
    size,
    certificate: decoded.leaf.facts,
    chain: chainSummary(decoded.chain),
    protection: decoded.protection,
    warnings: decoded.warnings,
  };
}

export function formatReport(report: ReturnType<typeof inspectReport>): string {
  const f = report.certificate;
  const key = f.keyType.toUpperCase() + (f.curve ? ` ${f.curve}` : f.keySize ? ` ${f.keySize} bits` : '');
  const eku = f.extendedKeyUsages.length ? f.extendedKeyUsages.join(', ') : '(none: any usage)';
  const lines = [
    ['File', `${report.file} (${report.size.toLocaleString('en-US')} bytes)`],
    ['Subject', f.subject],
    ['Issuer', f.issuer],
    ['Serial', f.serialNumber],
    ['Thumbprint', f.thumbprint],
    ['Not before', `${iso(f.notBefore)} (${f.notBefore})`],
    ['Not after', `${iso(f.notAfter)} (${f.notAfter})`],
    ['Key', key],
    ['Signature', f.signatureAlgorithm],
    ['Key usage', `${eku}; client authentication ${f.clientAuthAllowed ? 'allowed' : 'NOT allowed'}`],
    ['Self-signed', f.selfSigned ? 'yes' : 'no'],
    ['Chain', report.chain.length ? report.chain.map((c) => c.subject).join(' <- ') : '(leaf only)'],
    [
      'MAC',
      report.protection.mac ? `${report.protection.mac.name}, ${count(report.protection.mac.iterations)}` : 'none',
    ],
    [
      'Encryption',
      report.protection.encryption.length
        ? report.protection.encryption.map((e) => `${e.name}, ${count(e.iterations)}`).join('; ')
        : 'none (bags stored in clear)',
    ],
  ];
  if (report.protection.emptyPasswordConvention) {
    lines.push(['Empty password', report.protection.emptyPasswordConvention]);
  }
  const width = Math.max(...lines.map(([label]) => label!.length)) + 2;
  const body = lines.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`);
  const warnings = report.warnings.length ? report.warnings.map((w) => `  - [${w.code}] ${w.message}`) : ['  none'];
  return [...body, 'Warnings:', ...warnings].join('\n');
}

/** Runs the command; returns the process exit code (0 decoded, 1 refused or unreadable). */
export async function runInspect(file: string, options: InspectOptions): Promise<number> {
  const password = options.password ?? process.env[PASSWORD_ENV] ?? '';
  const now = options.now === undefined ? new Date() : new Date(options.now);
  if (Number.isNaN(now.getTime())) {
    console.error(`error: --now must be a date such as 2026-01-31T00:00:00Z, got '${options.now}'`);
    return 1;
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    console.error(`error: cannot read ${file} (${reason})`);
    return 1;
  }
  // Loaded here, not at the top: every command (serve included) imports this file, and the decoder is only needed
  // by `inspect` (the server loads it on the first upload).
  const { decodePkcs12, closeKdfWorkers } = await import('../pkcs12/index.js');
  try {
    const decoded = await decodePkcs12(bytes, password, { now });
    const report = inspectReport(basename(file), bytes.length, decoded);
    console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return 0;
  } catch (error) {
    if (!(error instanceof Pkcs12Error)) throw error;
    if (options.json)
      console.log(
        JSON.stringify({ file: basename(file), error: { code: error.code, message: error.message } }, null, 2),
      );
    else console.error(`error [${error.code}]: ${error.message}`);
    return 1;
  } finally {
    await closeKdfWorkers();
  }
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('decode a PKCS#12 (.pfx/.p12) file and report its certificate facts and warnings')
    .argument('<file>', 'the .pfx or .p12 file')
    .option('-p, --password <password>', `the file's password (default: $${PASSWORD_ENV}, else empty)`)
    .option('--json', 'print a JSON report instead of text')
    .option('--now <date>', 'evaluate expiry warnings at this instant (ISO 8601) instead of now')
    .action(async (file: string, options: InspectOptions) => {
      process.exitCode = await runInspect(file, options);
    });
}
