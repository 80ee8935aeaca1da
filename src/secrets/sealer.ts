// Envelope encryption for secrets at rest. Each sealed value gets its own random 256-bit data key (DEK); the value is
// encrypted with AES-256-GCM under the DEK, and the DEK is encrypted (wrapped) with AES-256-GCM under the
// key-encryption key (KEK). Both layers bind the caller's `context` as additional authenticated data, so a value
// copied onto another record fails to open.
//
// Format (ASCII, dot-separated, base64url parts):  v1.<kekId>.<wrappedDek>.<payload>
//   wrappedDek = iv(12) || AES-256-GCM(KEK, DEK)(32) || tag(16)
//   payload    = iv(12) || AES-256-GCM(DEK, plaintext)  || tag(16)
// node:crypto does all the cryptography; only this framing is hand-written (no library offers this exact envelope).
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import type { SecretSealer } from './types.js';
import { loadKek, type KekSource } from './kek.js';

const FORMAT_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DEK_BYTES = 32;
const WRAPPED_DEK_BYTES = IV_BYTES + DEK_BYTES + TAG_BYTES;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** A sealed value could not be opened. The message never contains key material or plaintext. */
export class SealedValueError extends Error {
  override name = 'SealedValueError';
}

export interface CreatedSealer extends SecretSealer {
  /** Where the KEK came from, for a start-up log line (never the key itself). */
  readonly kekSource: KekSource;
  readonly keyFile?: string;
}

/**
 * Builds the sealer from `kek` (the API_CONNECTORS_KEK value: base64 of 32 bytes) or, when `kek` is undefined,
 * from `${dataDir}/kek.key`, generated with mode 0600 on first start. Throws KekConfigError on bad configuration.
 */
export async function createSealer(options: { kek?: string; dataDir: string }): Promise<CreatedSealer> {
  const loaded = await loadKek(options);
  const sealer = sealerFromKey(loaded.key);
  loaded.key.fill(0);
  return Object.freeze({ ...sealer, kekSource: loaded.source, keyFile: loaded.keyFile });
}

/** kekId: a short, non-secret fingerprint of the KEK (domain-separated SHA-256, first 8 bytes, hex). */
export function kekIdOf(kek: Buffer): string {
  return createHash('sha256').update('api-connectors/kek-id/v1\0').update(kek).digest('hex').slice(0, 16);
}

export function sealerFromKey(kek: Buffer): SecretSealer {
  if (kek.length !== DEK_BYTES) throw new RangeError(`the key-encryption key must be ${DEK_BYTES} bytes`);
  const kekId = kekIdOf(kek);
  const kekObject = createSecretKey(Buffer.from(kek));
  const aad = (layer: 'dek' | 'data', context: string): Buffer =>
    Buffer.from(`${FORMAT_VERSION}|${layer}|${kekId}|${context}`, 'utf8');

  return {
    kekId,
    seal(plaintext: Buffer, context: string): string {
      const dek = randomBytes(DEK_BYTES);
      try {
        const wrappedDek = encrypt(kekObject, dek, aad('dek', context));
        const payload = encrypt(dek, plaintext, aad('data', context));
        return [FORMAT_VERSION, kekId, wrappedDek.toString('base64url'), payload.toString('base64url')].join('.');
      } finally {
        dek.fill(0);
      }
    },
    open(sealed: string, context: string): Buffer {
      const parts = sealed.split('.');
      const [version, sealedKekId, wrappedPart, payloadPart] = parts;
      if (parts.length !== 4 || version !== FORMAT_VERSION || !wrappedPart || payloadPart === undefined) {
        throw new SealedValueError('not a sealed value in a supported format (expected v1.<kekId>.<dek>.<payload>)');
      }
      if (sealedKekId !== kekId) {
        throw new SealedValueError(
          `value was sealed with key-encryption key ${sealedKekId ?? '?'}, but this instance uses ${kekId}; ` +
            `configure the same API_CONNECTORS_KEK on every instance`,
        );
      }
      if (!BASE64URL.test(wrappedPart) || !BASE64URL.test(payloadPart)) {
        throw new SealedValueError('sealed value is malformed');
      }
      const wrappedDek = Buffer.from(wrappedPart, 'base64url');
      const payload = Buffer.from(payloadPart, 'base64url');
      if (wrappedDek.length !== WRAPPED_DEK_BYTES || payload.length < IV_BYTES + TAG_BYTES) {
        throw new SealedValueError('sealed value is malformed');
      }
      const dek = decrypt(kekObject, wrappedDek, aad('dek', context));
      try {
        return decrypt(dek, payload, aad('data', context));
      } finally {
        dek.fill(0);
      }
    },
  };
}

function encrypt(key: KeyObject | Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function decrypt(key: KeyObject | Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const iv = sealed.subarray(0, IV_BYTES);
  const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    // GCM says only "unable to authenticate"; say what that means here.
    throw new SealedValueError('sealed value failed authentication: it was altered, or belongs to another record');
  }
}
