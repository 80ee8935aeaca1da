// Input normalisation: base64 text or bytes -> bytes, with the size cap applied before any decoding work.
//
// Base64 policy (docs/pkcs12.md): standard alphabet (RFC 4648 section 4) only, as Graph/.NET's
// Convert.FromBase64String reads it; ASCII whitespace anywhere is ignored (line-wrapped output of
// `openssl base64` or `base64` pastes as-is); padding may be omitted; URL-safe '-'/'_' and PEM armour are refused.
import { errors } from './errors.js';
import { type DecodeOptions, DEFAULT_LIMITS } from './types.js';

export type Limits = Required<Omit<DecodeOptions, 'now'>>;

/** The options' limits, each a positive integer, the default where absent or invalid. */
export function limitsFrom(options: DecodeOptions): Limits {
  const pick = (value: number | undefined, fallback: number) =>
    value !== undefined && Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
  return {
    maxBytes: pick(options.maxBytes, DEFAULT_LIMITS.maxBytes),
    maxIterations: pick(options.maxIterations, DEFAULT_LIMITS.maxIterations),
    maxTotalIterations: pick(options.maxTotalIterations, DEFAULT_LIMITS.maxTotalIterations),
  };
}

const WHITESPACE = /[\t\n\v\f\r ]+/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodedLength(clean: string): number {
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.floor((clean.length * 3) / 4) - padding;
}

function describeInvalid(text: string): string {
  if (text.trimStart().startsWith('-----BEGIN')) return 'it is PEM text; send the base64 of the binary .pfx instead';
  const index = text.search(/[^A-Za-z0-9+/=\t\n\v\f\r ]/);
  if (index >= 0) {
    const urlSafe = text[index] === '-' || text[index] === '_';
    return `invalid character at position ${index}${urlSafe ? ' (URL-safe base64 is not accepted)' : ''}`;
  }
  return "'=' padding in the middle or more than two '=' at the end";
}

export function toBytes(input: Buffer | Uint8Array | string, maxBytes: number): Buffer {
  if (input instanceof Uint8Array) {
    if (input.length > maxBytes) throw errors.tooLarge(input.length, maxBytes);
    return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }
  if (typeof input !== 'string') throw errors.notBase64('expected a string');
  // Refuse absurd strings before scanning them: allow for generous whitespace (2x) around the largest payload.
  const maxChars = 2 * Math.ceil(maxBytes / 3) * 4 + 1024;
  if (input.length > maxChars) throw errors.tooLarge(Math.floor((input.length * 3) / 4), maxBytes);
  const clean = input.replace(WHITESPACE, '');
  if (!BASE64.test(clean)) throw errors.notBase64(describeInvalid(input));
  if (clean.length % 4 === 1 || (clean.includes('=') && clean.length % 4 !== 0)) {
    throw errors.notBase64('its length is not a whole number of base64 groups; it may be truncated');
  }
  const size = decodedLength(clean);
  if (size > maxBytes) throw errors.tooLarge(size, maxBytes);
  return Buffer.from(clean, 'base64');
}
