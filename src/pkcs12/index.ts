// PKCS#12 engine entry point: decodePkcs12 turns a .pfx (bytes or base64) and its password into the leaf
// certificate, its chain, the private key (PKCS#8) and the facts, or throws a Pkcs12Error. decodePkcs12InWorker
// (./pool.ts) does the same on a worker-thread pool. Decisions and numbers: docs/pkcs12.md.
import type { KeyObject } from 'node:crypto';
import { type IterationLimits, macScheme } from './algorithms.js';
import { certificateFacts, parseCertificate } from './certificate.js';
import { type CertificateEntry, findLeaf, orderChain } from './chain.js';
import { type OpenedContents, openContents, wipeContents } from './contents.js';
import { macMatches } from './decrypt.js';
import { IterationBudget, closeDerivationWorkers, derivationsRunConcurrently } from './derive.js';
import { DecryptionFailed, errors } from './errors.js';
import { limitsFrom, toBytes } from './input.js';
import { bmpPassword } from './kdf.js';
import { isKeyConsistent, loadPrivateKey, pkcs8Der } from './key.js';
import { closeDecodeWorkers } from './pool.js';
import { type ParsedPfx, parsePfx, visibleSchemes } from './structure.js';
import type { DecodeOptions, DecodedPkcs12, Pkcs12Protection } from './types.js';
import { evaluateWarnings } from './warnings.js';

export * from './types.js';
export { configureDecodeWorkers, decodePkcs12InWorker, type DecodeWorkerOptions } from './pool.js';

/**
 * Stops every worker thread of the engine: the decode pool (decodePkcs12InWorker) and the KDF pool of in-process
 * decodes. Idle threads never keep the process alive, so this is for tidy shutdowns and tests; a later decode
 * starts the pools again.
 */
export async function closeKdfWorkers(): Promise<void> {
  await Promise.all([closeDecodeWorkers(), closeDerivationWorkers()]);
}

type Convention = NonNullable<Pkcs12Protection['emptyPasswordConvention']>;
interface BmpCandidate {
  bmp: Buffer;
  convention?: Convention;
}

/** The BMPString forms to try: one for a real password; for '' both conventions, OpenSSL's CLI form first. */
function bmpCandidates(password: string): BmpCandidate[] {
  if (password !== '') return [{ bmp: bmpPassword(password) }];
  return [
    { bmp: Buffer.alloc(2), convention: 'emptyString' },
    { bmp: Buffer.alloc(0), convention: 'absent' },
  ];
}

export async function decodePkcs12(
  input: Buffer | Uint8Array | string,
  password: string,
  options: DecodeOptions = {},
): Promise<DecodedPkcs12> {
  const limits = limitsFrom(options);
  const bytes = toBytes(input, limits.maxBytes);
  const pfx = parsePfx(bytes, limits);
  const mac = pfx.macData ? macScheme(pfx.macData, limits) : undefined;

  // Every count visible without decrypting is charged before the first derivation.
  const budget = new IterationBudget(limits.maxTotalIterations);
  if (mac) budget.charge(mac.iterations);
  for (const scheme of visibleSchemes(pfx)) budget.charge(scheme.iterations);

  const utf8 = Buffer.from(password, 'utf8');
  const candidates = bmpCandidates(password);
  let opened: OpenedContents;
  let chosen: BmpCandidate;

  if (mac) {
    // Decrypt while the MAC is checked (they run on different threads). With an empty password the first
    // BMPString form is a guess; PBES2 never sees that form, so the guess only matters for PKCS#12 PBEs.
    // On a decode worker derivations are synchronous: decrypting first would only delay a wrongPassword answer.
    const speculate =
      derivationsRunConcurrently() &&
      (candidates.length === 1 || !visibleSchemes(pfx).some((s) => s.kind === 'pkcs12'));
    let pending = speculate ? openContents(pfx, { utf8, bmp: candidates[0]!.bmp }, budget, limits) : undefined;
    pending?.catch(() => undefined); // consumed below, or abandoned when the MAC fails
    let matched: BmpCandidate | undefined;
    for (const [index, candidate] of candidates.entries()) {
      if (index > 0) budget.charge(mac.iterations);
      if (await macMatches(mac, candidate.bmp, pfx.authSafeContent)) {
        matched = candidate;
        break;
      }
    }
    if (matched !== candidates[0] && pending) {
      // Abandoned (wrong password, or the guessed form was wrong): wipe what it decrypts once it settles.
      pending.then(wipeContents, () => undefined);
      pending = undefined; // the guess was wrong: open again with the right form
    }
    if (!matched) throw errors.wrongPasswordMac(mac.info.name);
    chosen = matched;
    try {
      opened = await (pending ?? openContents(pfx, { utf8, bmp: chosen.bmp }, budget, limits));
    } catch (error) {
      // The MAC proved the password, so a decryption failure means the file itself is damaged.
      if (error instanceof DecryptionFailed) throw errors.corrupted(`${error.what} does not decrypt`);
      throw error;
    }
  } else {
    ({ opened, chosen } = await openWithoutMac(pfx, utf8, candidates, budget, limits));
  }

  try {
    return assemble(
      opened,
      {
        mac: mac?.info,
        encryption: opened.encryption,
        ...(password === '' && (mac || opened.usedPkcs12Kdf) ? { emptyPasswordConvention: chosen.convention } : {}),
      },
      options.now ?? new Date(),
    );
  } finally {
    wipeContents(opened); // the result holds its own copies
  }
}

/** Without a MAC, decryption is the only password check: try each BMPString form until one decrypts. */
async function openWithoutMac(
  pfx: ParsedPfx,
  utf8: Buffer,
  candidates: BmpCandidate[],
  budget: IterationBudget,
  limits: IterationLimits,
): Promise<{ opened: OpenedContents; chosen: BmpCandidate }> {
  let failure: DecryptionFailed | undefined;
  for (const [index, candidate] of candidates.entries()) {
    if (index > 0) for (const scheme of visibleSchemes(pfx)) budget.charge(scheme.iterations);
    try {
      const opened = await openContents(pfx, { utf8, bmp: candidate.bmp }, budget, limits);
      return { opened, chosen: candidate };
    } catch (error) {
      if (!(error instanceof DecryptionFailed)) throw error;
      failure = error;
      // Only the appendix B KDF sees the BMPString form; a PBES2-only file fails the same way under both.
      if (!visibleSchemes(pfx).some((s) => s.kind === 'pkcs12')) break;
    }
  }
  throw errors.wrongPasswordDecrypt(failure?.what ?? 'the contents');
}

interface LoadedKey {
  key: KeyObject;
  der: Buffer;
  localKeyId?: Buffer;
}

function assemble(opened: OpenedContents, protection: Pkcs12Protection, now: Date): DecodedPkcs12 {
  const keys: LoadedKey[] = [];
  try {
    for (const raw of opened.keys) {
      const key = loadPrivateKey(raw.pkcs8);
      if (!key) {
        if (raw.encrypted && !protection.mac) throw errors.wrongPasswordDecrypt(`the private key (${raw.where})`);
        throw errors.malformed(raw.where, 'not a readable PKCS#8 private key');
      }
      const der = pkcs8Der(key);
      if (!keys.some((k) => k.der.equals(der))) keys.push({ key, der, localKeyId: raw.localKeyId });
      else der.fill(0);
    }
    return assembleWithKeys(opened, keys, protection, now);
  } catch (error) {
    for (const { der } of keys) der.fill(0); // refused: no exported key outlives the decode
    throw error;
  }
}

function assembleWithKeys(
  opened: OpenedContents,
  keys: LoadedKey[],
  protection: Pkcs12Protection,
  now: Date,
): DecodedPkcs12 {
  if (keys.length === 0) throw errors.noPrivateKey(opened.certs.length);
  if (opened.certs.length === 0) throw errors.noCertificate();
  if (keys.length > 1) throw errors.multipleKeys(keys.length);
  const { key, der: privateKeyPkcs8, localKeyId } = keys[0]!;

  const certs: CertificateEntry[] = opened.certs.map((c) => ({ ...c, x509: parseCertificate(c.der, c.where) }));
  const leaf = findLeaf(certs, key, localKeyId);
  if (!leaf) throw errors.keyMismatch(certs.length);
  if (!protection.mac && !isKeyConsistent(key)) {
    throw errors.corrupted('the private key is internally inconsistent (the file has no MAC to detect damage)');
  }
  const facts = certificateFacts(leaf.x509, leaf.der, leaf.where);
  return {
    leaf: { der: Buffer.from(leaf.der), facts },
    chain: orderChain(leaf, certs).map((der) => Buffer.from(der)),
    privateKeyPkcs8,
    protection,
    warnings: evaluateWarnings(facts, protection, now),
  };
}
