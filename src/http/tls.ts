// HTTPS material for the server: the operator's certificate (PEM pair or PKCS#12), or a development CA and server
// certificate generated on first start in DATA_DIR/tls/ (keys 0600) and reused afterwards. Clients trust the CA
// (ca.pem), not the server certificate, so the server certificate can be re-issued (new host names, expiry) freely.
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { readSecretFile, writeSecretFileOnce } from '../auth/secret-file.js';

export interface TlsSettings {
  dataDir: string;
  /** PEM certificate (chain) file and its PEM private key file. */
  cert?: string;
  key?: string;
  /** PKCS#12 file with the certificate and key, and its password. */
  pfx?: string;
  pfxPassword?: string;
  /** Extra names for the generated certificate besides localhost, 127.0.0.1 and ::1. */
  hostnames?: string[];
}

export interface TlsMaterial {
  /** Ready for https.createServer / fastify({ https }). */
  serverOptions: { key: string; cert: string } | { pfx: Buffer; passphrase: string };
  /** PEM clients should trust: the development CA, or the operator's certificate chain. */
  caPem?: string;
  /** File holding caPem, for NODE_EXTRA_CA_CERTS and friends. */
  caPath?: string;
  generated: boolean;
}

const DEFAULT_NAMES = ['localhost', '127.0.0.1', '::1'];
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Server certificates stay under the 398-day limit browsers and Apple platforms enforce. */
const SERVER_CERT_DAYS = 397;
const CA_DAYS = 3650;

const subtle = webcrypto.subtle;
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export function tlsPaths(dataDir: string) {
  const dir = join(dataDir, 'tls');
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server-key.pem'),
  };
}

export async function loadTlsOptions(settings: TlsSettings): Promise<TlsMaterial> {
  if (settings.pfx !== undefined) {
    const pfx = await readFile(settings.pfx);
    const passphrase = settings.pfxPassword ?? '';
    try {
      // Fail at start-up with a clear message rather than on the first handshake.
      createSecureContext({ pfx, passphrase });
    } catch {
      throw new Error(`TLS: ${settings.pfx} cannot be loaded (wrong password, or a PKCS#12 format OpenSSL 3 refuses)`);
    }
    return { serverOptions: { pfx, passphrase }, generated: false };
  }
  if (settings.cert !== undefined || settings.key !== undefined) {
    if (settings.cert === undefined || settings.key === undefined) {
      throw new Error('TLS: --cert and --key must be given together');
    }
    const [cert, key] = await Promise.all([readFile(settings.cert, 'utf8'), readFile(settings.key, 'utf8')]);
    try {
      createSecureContext({ cert, key });
    } catch {
      throw new Error(`TLS: ${settings.cert} and ${settings.key} are not a matching PEM certificate and key`);
    }
    return { serverOptions: { key, cert }, caPem: cert, caPath: settings.cert, generated: false };
  }
  return developmentTls(settings.dataDir, settings.hostnames ?? []);
}

function pem(label: string, der: ArrayBuffer): string {
  return x509.PemConverter.encode(der, label);
}

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await subtle.exportKey('pkcs8', key));
}

async function importPrivateKey(text: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(text);
  return subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign']);
}

async function loadOrCreateCa(
  paths: ReturnType<typeof tlsPaths>,
): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  const existingKey = await readSecretFile(paths.caKey);
  const existingCert =
    existingKey === undefined ? undefined : await readFile(paths.caCert, 'utf8').catch(() => undefined);
  if (existingKey !== undefined && existingCert !== undefined) {
    return { cert: new x509.X509Certificate(existingCert), key: await importPrivateKey(existingKey) };
  }
  const keys = await subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=api-connectors development CA, O=api-connectors (development only)',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + CA_DAYS * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  // Key first: if two processes race, the loser adopts the winner's key and must then use the winner's certificate.
  const keyText = await writeSecretFileOnce(paths.caKey, await exportPrivateKey(keys.privateKey));
  if (keyText !== (await exportPrivateKey(keys.privateKey))) {
    // Another process won the race; wait for its certificate to land, then load its pair.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return loadOrCreateCa(paths);
  }
  await writeFile(paths.caCert, cert.toString('pem') + '\n', { mode: 0o644 });
  return { cert, key: keys.privateKey };
}

function serverCertificateUsable(certPem: string, keyPem: string, ca: x509.X509Certificate, names: string[]): boolean {
  const cert = new X509Certificate(certPem);
  if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
  const remainingMs = Date.parse(cert.validTo) - Date.now();
  if (remainingMs < 30 * DAY_MS) return false;
  if (!cert.checkIssued(new X509Certificate(Buffer.from(ca.rawData)))) return false;
  const san = cert.subjectAltName ?? '';
  return names.every((name) => (isIP(name) ? cert.checkIP(name) !== undefined : san.includes(`DNS:${name}`)));
}

async function developmentTls(dataDir: string, hostnames: string[]): Promise<TlsMaterial> {
  const paths = tlsPaths(dataDir);
  const ca = await loadOrCreateCa(paths);
  const caPem = ca.cert.toString('pem') + '\n';
  const names = [...new Set([...DEFAULT_NAMES, ...hostnames.map((name) => name.toLowerCase())])];

  const existingKey = await readSecretFile(paths.serverKey);
  const existingCert = await readFile(paths.serverCert, 'utf8').catch(() => undefined);
  if (
    existingKey !== undefined &&
    existingCert !== undefined &&
    serverCertificateUsable(existingCert, existingKey, ca.cert, names)
  ) {
    return { serverOptions: { key: existingKey, cert: existingCert }, caPem, caPath: paths.caCert, generated: false };
  }

  const keys = await subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=localhost, O=api-connectors (development only)',
    issuer: ca.cert.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + SERVER_CERT_DAYS * DAY_MS),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((name) => ({ type: isIP(name) ? ('ip' as const) : ('dns' as const), value: name })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  const key = await exportPrivateKey(keys.privateKey);
  const certPem = cert.toString('pem') + '\n';
  // Re-issuing replaces the old pair; the key goes first and always with mode 0600.
  await writeFile(paths.serverKey, key, { mode: 0o600 });
  await writeFile(paths.serverCert, certPem, { mode: 0o644 });
  return { serverOptions: { key, cert: certPem }, caPem, caPath: paths.caCert, generated: true };
}
