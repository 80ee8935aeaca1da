// Public contract of the PKCS#12 engine. The HTTP layer and the domain depend only on this file
// (plus `decodePkcs12` / `decodePkcs12InWorker` from ./index.ts); everything else in src/pkcs12 is internal.

/** Stable error codes. The HTTP layer maps each one to a Graph error (see src/http/errors.ts). */
export type Pkcs12ErrorCode =
  | 'notBase64' // the input string is not valid base64
  | 'tooLarge' // decoded input exceeds the size cap
  | 'malformed' // not PKCS#12 / malformed DER (the message says where)
  | 'wrongPassword' // MAC check failed or decryption failed under every password convention
  | 'noPrivateKey' // no key bag / shrouded key bag
  | 'noCertificate' // no certificate bag
  | 'keyMismatch' // a private key is present but no certificate holds its public key
  | 'multipleKeys' // more than one private key (policy: refused; see docs/parity.md)
  | 'unsupportedAlgorithm' // names the OID and its name when known
  | 'iterationLimit'; // an iteration count (or the per-file total) exceeds the cap

export class Pkcs12Error extends Error {
  constructor(
    readonly code: Pkcs12ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'Pkcs12Error';
  }
}

export interface DecodeOptions {
  /** Maximum decoded size in bytes. Default 65,536 (see DEFAULT_LIMITS). */
  maxBytes?: number;
  /** Maximum iteration count of any single KDF run. Default 1,000,000. */
  maxIterations?: number;
  /** Maximum sum of iteration counts over one file. Default 3,000,000. */
  maxTotalIterations?: number;
  /** The instant warnings (expired, notYetValid) are evaluated at. Default: the current time. */
  now?: Date;
}

export type KeyType = 'rsa' | 'ec' | 'ed25519' | 'ed448' | 'dsa' | 'rsa-pss' | 'x25519' | 'x448' | 'dh';

export interface CertificateFacts {
  /** SHA-1 of the certificate DER, 40 uppercase hex characters (the Graph / .NET thumbprint). */
  thumbprint: string;
  /** Unix seconds (RFC 7519 NumericDate), integers. */
  notBefore: number;
  notAfter: number;
  subject: string;
  issuer: string;
  /** Uppercase hex, as OpenSSL prints it. */
  serialNumber: string;
  keyType: KeyType;
  /** RSA/DSA modulus size in bits; EC field size in bits. */
  keySize?: number;
  /** Named curve for EC keys, e.g. 'P-256'. */
  curve?: string;
  /** e.g. 'sha256WithRSAEncryption' (OID when unknown). */
  signatureAlgorithm: string;
  /** OIDs or names of the extended key usages; empty when the extension is absent. */
  extendedKeyUsages: string[];
  /** True when the EKU extension is absent (any usage) or lists clientAuth / anyExtendedKeyUsage. */
  clientAuthAllowed: boolean;
  selfSigned: boolean;
}

export interface AlgorithmInfo {
  oid: string;
  /** Human-readable name, e.g. 'PBES2(PBKDF2-HMAC-SHA256, AES-256-CBC)' or 'pbeWithSHAAnd3-KeyTripleDES-CBC'. */
  name: string;
  iterations?: number;
  /** True for algorithms considered legacy/weak (RC2, 3DES, SHA-1 MAC, ...). */
  legacy: boolean;
}

export interface Pkcs12Protection {
  /** Absent when the file has no MAC. */
  mac?: AlgorithmInfo;
  /** Encryption of each encrypted SafeContents / shrouded key bag, in file order. */
  encryption: AlgorithmInfo[];
  /** Which empty-password convention matched, when the password was empty. */
  emptyPasswordConvention?: 'emptyString' | 'absent';
}

export type WarningCode =
  'expired' | 'notYetValid' | 'noClientAuthEku' | 'legacyAlgorithm' | 'weakKey' | 'noMac' | 'sha1Signature';

export interface Pkcs12Warning {
  code: WarningCode;
  message: string;
}

export interface DecodedPkcs12 {
  /** The certificate whose public key matches the private key. */
  leaf: { der: Buffer; facts: CertificateFacts };
  /** The other certificates in the file (DER), ordered leaf-issuer first when the chain can be built. */
  chain: Buffer[];
  /** The private key as unencrypted PKCS#8 DER. Secret: never log, return or persist in clear. */
  privateKeyPkcs8: Buffer;
  protection: Pkcs12Protection;
  /** Warnings evaluated at `now` (decode option or Date.now()). */
  warnings: Pkcs12Warning[];
}

export const DEFAULT_LIMITS = {
  maxBytes: 65_536,
  maxIterations: 1_000_000,
  maxTotalIterations: 3_000_000,
} as const satisfies Required<Omit<DecodeOptions, 'now'>>;
