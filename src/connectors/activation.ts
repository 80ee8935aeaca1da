// Which certificate is active. Graph: "the most recently uploaded certificate that isn't yet expired but whose
// notBefore time is in the past" (pkcs12CertificateInformation, v1.0). Computed at read time from the clock, so a
// newly uploaded, not-yet-valid certificate takes over by itself once its notBefore passes.
import type { CertificateInfo } from './model.js';

export interface CertificateValidity {
  thumbprint: string;
  notBefore: number;
  notAfter: number;
}

/** `certificates` must be in upload order (oldest first); `nowMs` is the clock in milliseconds. */
export function withActivation(certificates: readonly CertificateValidity[], nowMs: number): CertificateInfo[] {
  const now = Math.floor(nowMs / 1000);
  // notBefore <= now < notAfter: a certificate is usable from its first second up to, not including, its expiry.
  let active = -1;
  for (let i = certificates.length - 1; i >= 0; i--) {
    const cert = certificates[i]!;
    if (cert.notBefore <= now && now < cert.notAfter) {
      active = i;
      break;
    }
  }
  return certificates.map((cert, i) => ({
    thumbprint: cert.thumbprint,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isActive: i === active,
  }));
}

/**
 * The span of whole seconds around `nowMs` in which withActivation gives the same answer for every one of
 * `certificates`: from the last notBefore/notAfter at or before now to the first after it (either may be infinite).
 * A rendering that shows isActive stays correct for the whole span.
 */
export function activationWindow(
  certificates: Iterable<CertificateValidity>,
  nowMs: number,
): { from: number; until: number } {
  const now = Math.floor(nowMs / 1000);
  let from = -Infinity;
  let until = Infinity;
  for (const cert of certificates) {
    for (const boundary of [cert.notBefore, cert.notAfter]) {
      if (boundary <= now) from = Math.max(from, boundary);
      else until = Math.min(until, boundary);
    }
  }
  return { from, until };
}
