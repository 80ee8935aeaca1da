// Certificate facts: what the HTTP layer stores (thumbprint, dates) and what `inspect` reports.
// Node's X509Certificate (OpenSSL) does the parsing; asn1js only reads the signature algorithm, which
// Node 20 does not expose.
import { type KeyObject, X509Certificate } from 'node:crypto';
import { fields, oid, parseBer } from './asn1.js';
import { errors } from './errors.js';
import type { CertificateFacts, KeyType } from './types.js';

const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa-with-SHA256',
};

/** Signature algorithms that rely on SHA-1 or MD5 (sha1Signature warning). */
export const WEAK_SIGNATURE_ALGORITHMS = new Set([
  'md5WithRSAEncryption',
  'sha1WithRSAEncryption',
  'ecdsa-with-SHA1',
  'dsa-with-SHA1',
]);

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
  '1.3.6.1.4.1.311.20.2.2': 'msSmartcardLogin',
};

const CURVES: Record<string, { name: string; bits: number }> = {
  prime256v1: { name: 'P-256', bits: 256 },
  secp384r1: { name: 'P-384', bits: 384 },
  secp521r1: { name: 'P-521', bits: 521 },
  secp256k1: { name: 'secp256k1', bits: 256 },
  secp224r1: { name: 'P-224', bits: 224 },
};

const KEY_TYPES = new Set<string>(['rsa', 'rsa-pss', 'ec', 'ed25519', 'ed448', 'dsa', 'x25519', 'x448', 'dh']);

export function parseCertificate(der: Buffer, where: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw errors.malformed(where, 'not a valid X.509 certificate');
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Parses OpenSSL's ASN1_TIME_print form ("Jan  1 00:00:00 2025 GMT") to Unix seconds. */
export function opensslTimeToUnix(text: string, where: string): number {
  const match = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4}) GMT$/.exec(text);
  const month = match ? MONTHS.indexOf(match[1]!) : -1;
  if (!match || month < 0) throw errors.malformed(where, 'unreadable validity date');
  const [, , day, hh, mm, ss, year] = match.map(Number) as number[];
  return Date.UTC(year!, month, day!, hh!, mm!, ss!) / 1000;
}

/** RFC 4514 order (last RDN first), as `openssl x509 -nameopt RFC2253` prints it. */
function rfc4514(multiline: string): string {
  return multiline.split('\n').filter(Boolean).reverse().join(',');
}

/** Start and end of the DER element at `offset` (definite lengths only: X509Certificate accepted this DER). */
function element(der: Buffer, offset: number, where: string): { start: number; content: number; end: number } {
  let length = der[offset + 1];
  let header = 2;
  if (length === undefined) throw errors.malformed(where, 'truncated certificate');
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4) throw errors.malformed(where, 'unexpected certificate length form');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + (der[offset + 2 + i] ?? 0);
    header += bytes;
  }
  return { start: offset, content: offset + header, end: offset + header + length };
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }. Only the small
 * signatureAlgorithm element is handed to asn1js: parsing the whole certificate with it costs ~0.4 ms.
 */
function signatureAlgorithm(der: Buffer, where: string): string {
  const outer = element(der, 0, where);
  const tbs = element(der, outer.content, where);
  const algorithm = element(der, tbs.end, where);
  const node = parseBer(der.subarray(algorithm.start, algorithm.end), `${where} signature algorithm`).node;
  const id = oid(fields(node, `${where} signature algorithm`, 1)[0], `${where} signature algorithm`);
  return SIGNATURE_ALGORITHMS[id] ?? id;
}

export function keyFacts(key: KeyObject): Pick<CertificateFacts, 'keyType' | 'keySize' | 'curve'> {
  const type = key.asymmetricKeyType ?? 'unknown';
  if (!KEY_TYPES.has(type)) throw errors.unsupportedAlgorithm('the certificate key', type);
  const details = key.asymmetricKeyDetails ?? {};
  const facts: Pick<CertificateFacts, 'keyType' | 'keySize' | 'curve'> = { keyType: type as KeyType };
  if (details.modulusLength !== undefined) facts.keySize = details.modulusLength;
  if (details.namedCurve !== undefined) {
    const curve = CURVES[details.namedCurve];
    facts.curve = curve?.name ?? details.namedCurve;
    if (curve) facts.keySize = curve.bits;
  }
  return facts;
}

export function certificateFacts(cert: X509Certificate, der: Buffer, where: string): CertificateFacts {
  const ekuOids = cert.keyUsage;
  const extendedKeyUsages = (ekuOids ?? []).map((id) => EKU_NAMES[id] ?? id);
  let selfSigned = false;
  try {
    selfSigned = cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    selfSigned = false;
  }
  return {
    thumbprint: cert.fingerprint.replace(/:/g, ''),
    notBefore: opensslTimeToUnix(cert.validFrom, `${where} notBefore`),
    notAfter: opensslTimeToUnix(cert.validTo, `${where} notAfter`),
    subject: rfc4514(cert.subject),
    issuer: rfc4514(cert.issuer),
    serialNumber: cert.serialNumber.toUpperCase(),
    ...keyFacts(cert.publicKey),
    signatureAlgorithm: signatureAlgorithm(der, where),
    extendedKeyUsages,
    clientAuthAllowed:
      ekuOids === undefined ||
      extendedKeyUsages.includes('clientAuth') ||
      extendedKeyUsages.includes('anyExtendedKeyUsage'),
    selfSigned,
  };
}
