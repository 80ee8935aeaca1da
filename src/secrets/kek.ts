// Loading the key-encryption key (KEK): from configuration (API_CONNECTORS_KEK) when given, otherwise from a key file
// generated on first start. Instances that scale out must share the configured KEK; the key file suits one process.
import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const KEK_ENV_VAR = 'API_CONNECTORS_KEK';
export const KEK_FILE_NAME = 'kek.key';
const KEK_BYTES = 32;

export type KekSource = 'environment' | 'key-file';

export interface LoadedKek {
  key: Buffer;
  source: KekSource;
  /** Set when the key came from (or was written to) a key file. */
  keyFile?: string;
}

/** Thrown for any KEK configuration problem; the message never contains key material. */
export class KekConfigError extends Error {
  override name = 'KekConfigError';
}

// Standard (optionally padded) or URL-safe base64 of exactly 32 bytes is 43 significant characters.
// Buffer.from(..., 'base64') silently skips invalid characters, so the shape is checked first.
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=?$|^[A-Za-z0-9_-]{43}$/;

/** Parses base64 of 32 bytes; returns undefined for anything else. */
export function parseKek(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!BASE64_32_BYTES.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === KEK_BYTES ? key : undefined;
}

export async function loadKek(options: { kek?: string; dataDir: string }): Promise<LoadedKek> {
  if (options.kek !== undefined) {
    const key = parseKek(options.kek);
    if (!key) {
      throw new KekConfigError(
        `${KEK_ENV_VAR} must be the base64 encoding of exactly ${KEK_BYTES} random bytes ` +
          `(generate one with: openssl rand -base64 32); the value given (${options.kek.length} characters) is not. ` +
          `Leave it unset to use a key file in the data directory.`,
      );
    }
    return { key, source: 'environment' };
  }
  const keyFile = join(options.dataDir, KEK_FILE_NAME);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const existing = await readKeyFile(keyFile);
  if (existing) return { key: existing, source: 'key-file', keyFile };
  await writeKeyFileOnce(keyFile);
  const written = await readKeyFile(keyFile);
  if (!written) throw new KekConfigError(`key file ${keyFile} vanished right after it was written`);
  return { key: written, source: 'key-file', keyFile };
}

async function readKeyFile(keyFile: string): Promise<Buffer | undefined> {
  let mode: number;
  try {
    mode = (await stat(keyFile)).mode;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  // Like ssh with private keys: refuse a key others can read rather than warn into a log nobody reads.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new KekConfigError(
      `key file ${keyFile} is accessible by group or others (mode ${(mode & 0o777).toString(8)}); ` +
        `restrict it with: chmod 600 ${keyFile}`,
    );
  }
  const key = parseKek(await readFile(keyFile, 'utf8'));
  if (!key) {
    throw new KekConfigError(`key file ${keyFile} is corrupt: expected the base64 encoding of ${KEK_BYTES} bytes`);
  }
  return key;
}

// Write to a private temporary file, then link() it into place: link fails with EEXIST instead of overwriting,
// so two processes starting together agree on one key and nobody ever reads a half-written file.
async function writeKeyFileOnce(keyFile: string): Promise<void> {
  const temporary = `${keyFile}.${process.pid}.${randomUUID()}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.chmod(0o600); // the umask may have narrowed the mode; never widened, but be explicit
    await handle.writeFile(`${randomBytes(KEK_BYTES).toString('base64')}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, keyFile);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  } finally {
    await unlink(temporary);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
