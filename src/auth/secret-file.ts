// Create-once files for key material (dev signing key, dev CA): mode 0600, never overwritten, safe when two
// processes start on the same data dir at once (the loser reads the winner's file).
import { chmod, link, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Reads `path`, or undefined when it does not exist. Tightens a key file that others can read to 0600. */
export async function readSecretFile(path: string): Promise<string | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    if (process.platform !== 'win32' && ((await stat(path)).mode & 0o077) !== 0) {
      await chmod(path, 0o600);
    }
    return text;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes `content` to `path` with mode 0600 unless the file already exists.
 * Returns the file's content afterwards (ours, or the one another process wrote first).
 */
export async function writeSecretFileOnce(path: string, content: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Write a private temporary file completely, then hard-link it into place: link() fails if the target exists,
  // so readers never see a half-written key and a concurrent starter never overwrites ours.
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') {
      const existing = await readSecretFile(path);
      if (existing !== undefined) return existing;
    } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV') {
      // File systems without hard links: exclusive create is the next best thing.
      const handle = await open(path, 'wx', 0o600).catch((openError: unknown) => {
        if (errorCode(openError) === 'EEXIST') return undefined;
        throw openError;
      });
      if (handle === undefined) return (await readSecretFile(path)) ?? content;
      try {
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
    } else {
      throw error;
    }
  } finally {
    await rm(temporary, { force: true });
  }
  return content;
}
