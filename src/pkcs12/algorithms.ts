// Algorithm identifiers used by PKCS#12: which ones we decrypt/verify, their names, and their parameters.
import type { AlgorithmInfo } from './types.js';
import { type Asn1Node, fields, integer, octets, oid as readOid, children } from './asn1.js';
import { errors } from './errors.js';

/** Digest names as node:crypto spells them. */
export type HashName = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'sha512-224' | 'sha512-256';

interface HashSpec {
  name: HashName;
  label: string;
  /** Output length u and block length v (RFC 7292 appendix B.2). */
  u: number;
  v: number;
}

const HASHES: Record<string, HashSpec> = {
  '1.2.840.113549.2.5': { name: 'md5', label: 'MD5', u: 16, v: 64 },
  '1.3.14.3.2.26': { name: 'sha1', label: 'SHA-1', u: 20, v: 64 },
  '2.16.840.1.101.3.4.2.4': { name: 'sha224', label: 'SHA-224', u: 28, v: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', label: 'SHA-256', u: 32, v: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', label: 'SHA-384', u: 48, v: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', label: 'SHA-512', u: 64, v: 128 },
  '2.16.840.1.101.3.4.2.5': { name: 'sha512-224', label: 'SHA-512/224', u: 28, v: 128 },
  '2.16.840.1.101.3.4.2.6': { name: 'sha512-256', label: 'SHA-512/256', u: 32, v: 128 },
};

export function hashSpec(name: HashName): HashSpec {
  return Object.values(HASHES).find((h) => h.name === name)!;
}

/** PBKDF2 pseudo-random functions (RFC 8018 appendix B.1). */
const PRFS: Record<string, { hash: HashName; label: string }> = {
  '1.2.840.113549.2.7': { hash: 'sha1', label: 'HMAC-SHA1' },
  '1.2.840.113549.2.8': { hash: 'sha224', label: 'HMAC-SHA224' },
  '1.2.840.113549.2.9': { hash: 'sha256', label: 'HMAC-SHA256' },
  '1.2.840.113549.2.10': { hash: 'sha384', label: 'HMAC-SHA384' },
  '1.2.840.113549.2.11': { hash: 'sha512', label: 'HMAC-SHA512' },
  '1.2.840.113549.2.12': { hash: 'sha512-224', label: 'HMAC-SHA512/224' },
  '1.2.840.113549.2.13': { hash: 'sha512-256', label: 'HMAC-SHA512/256' },
};

/** Ciphers under PBES2. `rc2` is decrypted by ./rc2.ts (Node's OpenSSL 3 has no RC2 without the legacy provider). */
export type CipherName = 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc' | 'des-ede-cbc' | 'rc2-cbc';

const PBES2_CIPHERS: Record<string, { cipher: CipherName; keyLength: number; label: string; legacy: boolean }> = {
  '2.16.840.1.101.3.4.1.2': { cipher: 'aes-128-cbc', keyLength: 16, label: 'AES-128-CBC', legacy: false },
  '2.16.840.1.101.3.4.1.22': { cipher: 'aes-192-cbc', keyLength: 24, label: 'AES-192-CBC', legacy: false },
  '2.16.840.1.101.3.4.1.42': { cipher: 'aes-256-cbc', keyLength: 32, label: 'AES-256-CBC', legacy: false },
  '1.2.840.113549.3.7': { cipher: 'des-ede3-cbc', keyLength: 24, label: '3DES-CBC', legacy: true },
};

/** PKCS#12 password-based encryption (RFC 7292 appendix C); all use SHA-1 with the appendix B KDF. */
const PKCS12_PBES: Record<string, { cipher: CipherName; keyLength: number; rc2Bits?: number; label: string }> = {
  '1.2.840.113549.1.12.1.3': { cipher: 'des-ede3-cbc', keyLength: 24, label: 'pbeWithSHAAnd3-KeyTripleDES-CBC' },
  '1.2.840.113549.1.12.1.4': { cipher: 'des-ede-cbc', keyLength: 16, label: 'pbeWithSHAAnd2-KeyTripleDES-CBC' },
  '1.2.840.113549.1.12.1.5': { cipher: 'rc2-cbc', keyLength: 16, rc2Bits: 128, label: 'pbeWithSHAAnd128BitRC2-CBC' },
  '1.2.840.113549.1.12.1.6': { cipher: 'rc2-cbc', keyLength: 5, rc2Bits: 40, label: 'pbeWithSHAAnd40BitRC2-CBC' },
};

/** Known but unsupported: named in the error so the user knows what they have. */
const UNSUPPORTED: Record<string, string> = {
  '1.2.840.113549.1.12.1.1': 'pbeWithSHAAnd128BitRC4',
  '1.2.840.113549.1.12.1.2': 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.5.1': 'pbeWithMD2AndDES-CBC',
  '1.2.840.113549.1.5.3': 'pbeWithMD5AndDES-CBC',
  '1.2.840.113549.1.5.4': 'pbeWithMD2AndRC2-CBC',
  '1.2.840.113549.1.5.6': 'pbeWithMD5AndRC2-CBC',
  '1.2.840.113549.1.5.10': 'pbeWithSHA1AndDES-CBC',
  '1.2.840.113549.1.5.11': 'pbeWithSHA1AndRC2-CBC',
  '1.3.14.3.2.7': 'DES-CBC',
  '1.3.6.1.4.1.11591.4.11': 'scrypt',
  '1.2.840.113549.1.5.14': 'PBMAC1',
  '1.2.840.113549.3.4': 'RC4',
};

const PBES2_OID = '1.2.840.113549.1.5.13';
const PBKDF2_OID = '1.2.840.113549.1.5.12';
const RC2_CBC_OID = '1.2.840.113549.3.2';

export type EncryptionScheme =
  | {
      kind: 'pkcs12';
      info: AlgorithmInfo;
      cipher: CipherName;
      keyLength: number;
      rc2Bits?: number;
      salt: Buffer;
      iterations: number;
    }
  | {
      kind: 'pbes2';
      info: AlgorithmInfo;
      cipher: CipherName;
      keyLength: number;
      rc2Bits?: number;
      prf: HashName;
      salt: Buffer;
      iterations: number;
      iv: Buffer;
    };

export interface MacScheme {
  info: AlgorithmInfo;
  hash: HashSpec;
  salt: Buffer;
  iterations: number;
  digest: Buffer;
}

export interface IterationLimits {
  maxIterations: number;
}

/** Reads an iteration count and refuses it above the cap before anything is derived from it. */
export function iterationCount(node: Asn1Node | undefined, where: string, limits: IterationLimits): number {
  const value = integer(node, `${where} iteration count`);
  if (value < 1n) throw errors.malformed(`${where} iteration count`, 'must be at least 1');
  if (value > BigInt(limits.maxIterations)) throw errors.iterationLimit(where, value, limits.maxIterations);
  return Number(value);
}

function unsupported(where: string, algorithm: string): never {
  throw errors.unsupportedAlgorithm(where, algorithm, UNSUPPORTED[algorithm]);
}

/** Parses an encryption AlgorithmIdentifier (EncryptedData or shrouded key bag). */
export function encryptionScheme(node: Asn1Node, where: string, limits: IterationLimits): EncryptionScheme {
  const [algNode, params] = fields(node, `${where} algorithm`, 1);
  const algorithm = readOid(algNode, `${where} algorithm`);
  const pkcs12 = PKCS12_PBES[algorithm];
  if (pkcs12) {
    const [salt, count] = fields(params!, `${where} PBE parameters`, 2);
    const iterations = iterationCount(count, where, limits);
    const legacy = true;
    return {
      kind: 'pkcs12',
      info: { oid: algorithm, name: pkcs12.label, iterations, legacy },
      cipher: pkcs12.cipher,
      keyLength: pkcs12.keyLength,
      rc2Bits: pkcs12.rc2Bits,
      salt: octets(salt, `${where} PBE salt`),
      iterations,
    };
  }
  if (algorithm !== PBES2_OID) unsupported(where, algorithm);
  const [kdf, scheme] = fields(params!, `${where} PBES2 parameters`, 2);
  const [kdfOidNode, kdfParams] = fields(kdf!, `${where} key derivation function`, 2);
  const kdfOid = readOid(kdfOidNode, `${where} key derivation function`);
  if (kdfOid !== PBKDF2_OID) unsupported(`${where} key derivation`, kdfOid);
  const pbkdf2 = fields(kdfParams!, `${where} PBKDF2 parameters`, 2);
  const salt = octets(pbkdf2[0], `${where} PBKDF2 salt (only a specified salt is supported)`);
  const iterations = iterationCount(pbkdf2[1], where, limits);
  let keyLength: number | undefined;
  let prfNode: Asn1Node | undefined;
  for (const extra of pbkdf2.slice(2)) {
    if (extra.idBlock.tagNumber === 2 && extra.idBlock.tagClass === 1) {
      keyLength = Number(integer(extra, `${where} PBKDF2 key length`));
    } else prfNode = extra;
  }
  let prf: { hash: HashName; label: string } = PRFS['1.2.840.113549.2.7']!; // DEFAULT hmacWithSHA1
  if (prfNode) {
    const prfOid = readOid(fields(prfNode, `${where} PBKDF2 PRF`, 1)[0], `${where} PBKDF2 PRF`);
    prf = PRFS[prfOid] ?? unsupported(`${where} PBKDF2 PRF`, prfOid);
  }
  const [cipherOidNode, cipherParams] = fields(scheme!, `${where} encryption scheme`, 1);
  const cipherOid = readOid(cipherOidNode, `${where} encryption scheme`);
  let cipher: { cipher: CipherName; keyLength: number; label: string; legacy: boolean; rc2Bits?: number };
  let iv: Buffer;
  if (cipherOid === RC2_CBC_OID) {
    const rc2 = rc2Parameters(cipherParams, `${where} RC2 parameters`);
    cipher = {
      cipher: 'rc2-cbc',
      keyLength: keyLength ?? 16,
      label: `RC2-CBC-${rc2.bits}`,
      legacy: true,
      rc2Bits: rc2.bits,
    };
    iv = rc2.iv;
  } else {
    cipher = PBES2_CIPHERS[cipherOid] ?? unsupported(`${where} encryption scheme`, cipherOid);
    iv = octets(cipherParams, `${where} IV`);
  }
  const expectedIv = cipher.cipher.startsWith('aes') ? 16 : 8;
  if (iv.length !== expectedIv) throw errors.malformed(`${where} IV`, `expected ${expectedIv} bytes`);
  if (keyLength !== undefined && keyLength !== cipher.keyLength) {
    throw errors.malformed(`${where} PBKDF2 key length`, `${keyLength} does not fit ${cipher.label}`);
  }
  const name = `PBES2(PBKDF2-${prf.label}, ${cipher.label})`;
  return {
    kind: 'pbes2',
    info: { oid: PBES2_OID, name, iterations, legacy: cipher.legacy },
    cipher: cipher.cipher,
    keyLength: cipher.keyLength,
    rc2Bits: cipher.rc2Bits,
    prf: prf.hash,
    salt,
    iterations,
    iv,
  };
}

/** RC2CBCParameter (RFC 8018 appendix B.2.3): version encodes the effective key bits. */
function rc2Parameters(node: Asn1Node | undefined, where: string): { bits: number; iv: Buffer } {
  const list = children(node ?? fieldsMissing(where), where);
  const iv = octets(list[list.length - 1], where);
  let bits = 32;
  if (list.length === 2) {
    const version = Number(integer(list[0], where));
    const known: Record<number, number> = { 160: 40, 120: 64, 58: 128 };
    bits = known[version] ?? (version >= 256 ? version : NaN);
    if (!Number.isInteger(bits) || bits > 1024) throw errors.malformed(where, `unknown RC2 version ${version}`);
  }
  return { bits, iv };
}

function fieldsMissing(where: string): never {
  throw errors.malformed(where, 'missing');
}

/** Parses MacData (RFC 7292 section 4). */
export function macScheme(node: Asn1Node, limits: IterationLimits): MacScheme {
  const where = 'MAC';
  const [digestInfo, macSalt, count] = fields(node, 'macData', 2);
  const [digestAlg, digest] = fields(digestInfo!, 'macData digest', 2);
  const algorithm = readOid(fields(digestAlg!, 'macData digest algorithm', 1)[0], 'macData digest algorithm');
  const hash = HASHES[algorithm] ?? unsupported(where, algorithm);
  // iterations INTEGER DEFAULT 1
  const iterations = count === undefined ? 1 : iterationCount(count, where, limits);
  const info: AlgorithmInfo = {
    oid: algorithm,
    name: `HMAC-${hash.label}`,
    iterations,
    legacy: hash.name === 'sha1' || hash.name === 'md5',
  };
  return { info, hash, salt: octets(macSalt, 'macData salt'), iterations, digest: octets(digest, 'macData digest') };
}
