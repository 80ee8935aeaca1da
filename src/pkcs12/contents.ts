// Opens the AuthenticatedSafe: decrypts encrypted SafeContents and shrouded key bags (concurrently, each
// derivation charged to the iteration budget first) and collects keys, certificates and the encryption used.
import type { IterationLimits } from './algorithms.js';
import { type PasswordForms, decrypt } from './decrypt.js';
import type { IterationBudget } from './derive.js';
import { DecryptionFailed } from './errors.js';
import { type BagItem, type ParsedPfx, parseSafeContents } from './structure.js';
import { Pkcs12Error, type AlgorithmInfo } from './types.js';

export interface RawKey {
  pkcs8: Buffer;
  where: string;
  localKeyId?: Buffer;
  /** True when it came out of a shrouded (encrypted) key bag. */
  encrypted: boolean;
}

export interface RawCertificate {
  der: Buffer;
  where: string;
  localKeyId?: Buffer;
}

export interface OpenedContents {
  keys: RawKey[];
  certs: RawCertificate[];
  encryption: AlgorithmInfo[];
  /** True when some step used the appendix B KDF (so the BMPString password form mattered). */
  usedPkcs12Kdf: boolean;
  /** Every plaintext decrypted here (keys and certificates are views into them): see wipeContents. */
  decrypted: Buffer[];
}

interface Piece {
  keys: RawKey[];
  certs: RawCertificate[];
  encryption: AlgorithmInfo[];
}

/**
 * Promise.all, but a failure is reported by position, not by timing: the first failed piece in file order. The
 * pieces decrypt concurrently (threads), so with Promise.all the error for a wrong password named whichever piece
 * failed first, and differed from run to run and between the in-process and pooled decoders.
 */
async function allInOrder<T>(promises: Array<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}

export async function openContents(
  pfx: ParsedPfx,
  password: PasswordForms,
  budget: IterationBudget,
  limits: IterationLimits,
): Promise<OpenedContents> {
  let usedPkcs12Kdf = false;
  const decrypted: Buffer[] = [];

  async function openBags(bags: BagItem[]): Promise<Piece> {
    const pieces = await allInOrder(
      bags.map(async (bag): Promise<Piece> => {
        if (bag.kind === 'cert') return { keys: [], certs: [bag], encryption: [] };
        if (bag.kind === 'key') return { keys: [{ ...bag, encrypted: false }], certs: [], encryption: [] };
        if (bag.scheme.kind === 'pkcs12') usedPkcs12Kdf = true;
        const pkcs8 = await decrypt(bag.scheme, password, bag.ciphertext).catch((error: unknown) => {
          throw error instanceof DecryptionFailed ? new DecryptionFailed(`the private key (${bag.where})`) : error;
        });
        decrypted.push(pkcs8);
        return {
          keys: [{ pkcs8, where: bag.where, localKeyId: bag.localKeyId, encrypted: true }],
          certs: [],
          encryption: [bag.scheme.info],
        };
      }),
    );
    return merge(pieces);
  }

  const pieces = await allInOrder(
    pfx.contents.map(async (item): Promise<Piece> => {
      if (item.kind === 'plain') return openBags(item.bags);
      if (item.scheme.kind === 'pkcs12') usedPkcs12Kdf = true;
      const what = `the encrypted contents (${item.where})`;
      let plaintext: Buffer;
      try {
        plaintext = await decrypt(item.scheme, password, item.ciphertext);
      } catch (error) {
        throw error instanceof DecryptionFailed ? new DecryptionFailed(what) : error;
      }
      decrypted.push(plaintext);
      let bags: BagItem[];
      try {
        bags = parseSafeContents(plaintext, `${item.where} decrypted SafeContents`, limits);
      } catch (error) {
        // Valid padding over garbage (1 in 256 for a wrong key) surfaces here; the caller decides what it means.
        if (error instanceof Pkcs12Error && error.code === 'malformed') throw new DecryptionFailed(what);
        throw error;
      }
      // Key bags hidden inside encrypted SafeContents: their counts were invisible to the up-front check.
      for (const bag of bags) if (bag.kind === 'shrouded') budget.charge(bag.scheme.iterations);
      const inner = await openBags(bags);
      return { ...inner, encryption: [item.scheme.info, ...inner.encryption] };
    }),
  );
  return { ...merge(pieces), usedPkcs12Kdf, decrypted };
}

/**
 * Zeroes what decryption produced (private keys, and the SafeContents holding key bags), once the result no longer
 * needs it. What came from the input itself (plain bags of an unencrypted file) is the caller's and is left alone.
 */
export function wipeContents(opened: OpenedContents): void {
  for (const plaintext of opened.decrypted) plaintext.fill(0);
}

function merge(pieces: Piece[]): Piece {
  return {
    keys: pieces.flatMap((p) => p.keys),
    certs: pieces.flatMap((p) => p.certs),
    encryption: pieces.flatMap((p) => p.encryption),
  };
}
