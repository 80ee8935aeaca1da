// Error factories: one place for the wording of every Pkcs12Error. Messages name what is wrong and what to do,
// and never contain the password, key material or input bytes.
import { Pkcs12Error, type Pkcs12ErrorCode } from './types.js';

const count = (n: number) => n.toLocaleString('en-US');

export const errors = {
  notBase64: (detail: string) =>
    new Pkcs12Error(
      'notBase64',
      `The PKCS#12 value is not valid base64 (${detail}). Send the .pfx file's bytes encoded with standard base64 ` +
        `(RFC 4648 section 4), without PEM headers.`,
    ),
  tooLarge: (size: number, max: number) =>
    new Pkcs12Error(
      'tooLarge',
      `The PKCS#12 file is ${count(size)} bytes; the limit is ${count(max)} bytes. ` +
        `A client certificate with its chain is normally well under 10 KB: export only the certificate, its chain ` +
        `and its key.`,
    ),
  malformed: (where: string, detail?: string) =>
    new Pkcs12Error(
      'malformed',
      `The file is not a valid PKCS#12 (.pfx) file: ${where}${detail ? ` (${detail})` : ''}. ` +
        `Check that the whole file was uploaded and that it is a .pfx/.p12, not a PEM or DER certificate.`,
    ),
  corrupted: (where: string) =>
    new Pkcs12Error(
      'malformed',
      `The file is corrupted: ${where}. Export the .pfx again from the original certificate and key.`,
    ),
  wrongPasswordMac: (macName: string) =>
    new Pkcs12Error(
      'wrongPassword',
      `The password is wrong: the file's integrity check (${macName}) does not verify with it. ` +
        `Check the password, including an empty password if the file was exported without one.`,
    ),
  wrongPasswordDecrypt: (what: string) =>
    new Pkcs12Error(
      'wrongPassword',
      `The password is wrong: ${what} could not be decrypted with it (the file has no integrity MAC, so a ` +
        `corrupted file looks the same). Check the password.`,
    ),
  noPrivateKey: (certificates: number) =>
    new Pkcs12Error(
      'noPrivateKey',
      `The file contains no private key (it holds ${count(certificates)} certificate(s) only). Export the ` +
        `certificate together with its private key, e.g. \`openssl pkcs12 -export -inkey key.pem -in cert.pem\`.`,
    ),
  noCertificate: () =>
    new Pkcs12Error(
      'noCertificate',
      'The file contains a private key but no certificate. Export the key together with the certificate issued ' +
        'for it (and its chain).',
    ),
  keyMismatch: (certificates: number) =>
    new Pkcs12Error(
      'keyMismatch',
      `The private key does not belong to any of the ${count(certificates)} certificate(s) in the file (none holds ` +
        `its public key). Export the certificate that was issued for this key.`,
    ),
  multipleKeys: (keys: number) =>
    new Pkcs12Error(
      'multipleKeys',
      `The file contains ${count(keys)} different private keys; a client certificate file must hold exactly one ` +
        `key with its certificate chain. Export the single entry you want to upload.`,
    ),
  unsupportedAlgorithm: (where: string, oid: string, name?: string) =>
    new Pkcs12Error(
      'unsupportedAlgorithm',
      `Unsupported algorithm for ${where}: ${oid}${name ? ` (${name})` : ''}. Re-export the file with ` +
        `AES-256-CBC and an HMAC-SHA256 MAC (the OpenSSL 3 default: \`openssl pkcs12 -export ...\`).`,
    ),
  iterationLimit: (where: string, iterations: bigint | number, max: number) =>
    new Pkcs12Error(
      'iterationLimit',
      `The ${where} uses ${count(Number(iterations))} iterations; the limit is ${count(max)}. Real files use ` +
        `2,000 to 600,000: re-export the file with a standard iteration count.`,
    ),
  totalIterationLimit: (total: number, max: number) =>
    new Pkcs12Error(
      'iterationLimit',
      `The file needs ${count(total)} key-derivation iterations in total; the limit is ${count(max)} per file. ` +
        `Re-export it with fewer encrypted items or a standard iteration count.`,
    ),
};

/** Internal signal: a decryption failed (bad padding or unparsable plaintext). Mapped by the caller. */
export class DecryptionFailed extends Error {
  constructor(readonly what: string) {
    super(`decryption failed: ${what}`);
    this.name = 'DecryptionFailed';
  }
}

/** A Pkcs12Error as it crosses a thread boundary (structured clone keeps neither its class nor its `code`). */
export interface SerializedPkcs12Error {
  code: Pkcs12ErrorCode;
  message: string;
  /** Every other own enumerable property (none today; kept so that fields added later survive the trip). */
  fields: Record<string, unknown>;
}

export function serializePkcs12Error(error: Pkcs12Error): SerializedPkcs12Error {
  const fields = Object.fromEntries(Object.entries(error).filter(([key]) => key !== 'code' && key !== 'name'));
  return { code: error.code, message: error.message, fields };
}

/** The same error on this side: a real Pkcs12Error (same class, code, message, fields), with this side's stack. */
export function revivePkcs12Error(data: SerializedPkcs12Error): Pkcs12Error {
  return Object.assign(new Pkcs12Error(data.code, data.message), data.fields);
}
