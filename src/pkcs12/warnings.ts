// Warnings: facts that do not stop an upload but that the user should hear about before sign-up fails.
import { WEAK_SIGNATURE_ALGORITHMS } from './certificate.js';
import type { CertificateFacts, Pkcs12Protection, Pkcs12Warning } from './types.js';

const isoDate = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** RSA/DSA keys below this size get a weakKey warning. */
export const MIN_RSA_BITS = 2048;

export function evaluateWarnings(facts: CertificateFacts, protection: Pkcs12Protection, now: Date): Pkcs12Warning[] {
  const warnings: Pkcs12Warning[] = [];
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (facts.notAfter < nowSeconds) {
    warnings.push({ code: 'expired', message: `The certificate expired on ${isoDate(facts.notAfter)}.` });
  }
  if (facts.notBefore > nowSeconds) {
    warnings.push({ code: 'notYetValid', message: `The certificate is not valid before ${isoDate(facts.notBefore)}.` });
  }
  if (!facts.clientAuthAllowed) {
    warnings.push({
      code: 'noClientAuthEku',
      message:
        `The certificate's extended key usage (${facts.extendedKeyUsages.join(', ')}) does not include ` +
        'clientAuth: TLS servers will refuse it as a client certificate.',
    });
  }
  const legacy = [...(protection.mac ? [protection.mac] : []), ...protection.encryption].filter((a) => a.legacy);
  if (legacy.length > 0) {
    const names = [...new Set(legacy.map((a) => a.name))].join(', ');
    warnings.push({
      code: 'legacyAlgorithm',
      message: `The file is protected with legacy algorithms (${names}); re-export it with AES-256 and an HMAC-SHA256 MAC.`,
    });
  }
  if ((facts.keyType === 'rsa' || facts.keyType === 'rsa-pss' || facts.keyType === 'dsa') && facts.keySize) {
    if (facts.keySize < MIN_RSA_BITS) {
      warnings.push({
        code: 'weakKey',
        message: `The ${facts.keyType.toUpperCase()} key is ${facts.keySize} bits; use at least ${MIN_RSA_BITS}.`,
      });
    }
  }
  if (!protection.mac) {
    warnings.push({
      code: 'noMac',
      message: 'The file has no integrity MAC: corruption could only be detected by decryption and key checks.',
    });
  }
  if (WEAK_SIGNATURE_ALGORITHMS.has(facts.signatureAlgorithm)) {
    warnings.push({
      code: 'sha1Signature',
      message: `The certificate is signed with ${facts.signatureAlgorithm}, which many TLS stacks reject.`,
    });
  }
  return warnings;
}
