// Leaf selection and chain ordering.
import type { KeyObject, X509Certificate } from 'node:crypto';

export interface CertificateEntry {
  der: Buffer;
  x509: X509Certificate;
  where: string;
  localKeyId?: Buffer;
}

/**
 * The certificate holding the key's public half. Certificates whose localKeyId equals the key's are tried
 * first, but the match is always proven with X509Certificate#checkPrivateKey, so bag order and missing or
 * wrong localKeyIds do not matter. When several certificates hold the key (a renewal exported together with
 * the old one), the localKeyId match wins, then the first in file order.
 */
export function findLeaf(
  certs: CertificateEntry[],
  key: KeyObject,
  keyLocalKeyId: Buffer | undefined,
): CertificateEntry | undefined {
  const linked = (c: CertificateEntry) => Boolean(keyLocalKeyId && c.localKeyId?.equals(keyLocalKeyId));
  const ordered = [...certs.filter(linked), ...certs.filter((c) => !linked(c))];
  return ordered.find((c) => {
    try {
      return c.x509.checkPrivateKey(key);
    } catch {
      return false;
    }
  });
}

/**
 * The other certificates, issuer of the leaf first, then its issuer, and so on (checkIssued: names and key
 * identifiers); certificates that are not on that path follow in file order. Duplicates of the leaf are dropped.
 */
export function orderChain(leaf: CertificateEntry, certs: CertificateEntry[]): Buffer[] {
  const remaining = certs.filter((c) => c !== leaf && !c.der.equals(leaf.der));
  const ordered: CertificateEntry[] = [];
  let current = leaf;
  for (;;) {
    const issuerIndex = remaining.findIndex(
      (c) => !current.x509.checkIssued(current.x509) && current.x509.checkIssued(c.x509),
    );
    if (issuerIndex < 0) break;
    const [issuer] = remaining.splice(issuerIndex, 1);
    ordered.push(issuer!);
    current = issuer!;
  }
  const unique: Buffer[] = [];
  for (const c of [...ordered, ...remaining]) if (!unique.some((d) => d.equals(c.der))) unique.push(c.der);
  return unique;
}
