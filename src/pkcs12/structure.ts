// The PKCS#12 container (RFC 7292 sections 4-4.2): PFX -> AuthenticatedSafe -> ContentInfo -> SafeContents -> bags.
// Parsing is synchronous and cheap; every algorithm and iteration count visible without decrypting is read
// here, so unsupported algorithms and over-cap counts are refused before any key derivation.
import {
  type Asn1Node,
  children,
  explicit,
  fields,
  implicitOctets,
  octets,
  oid,
  parseBer,
  parseExact,
  rawBytes,
} from './asn1.js';
import { type EncryptionScheme, type IterationLimits, encryptionScheme } from './algorithms.js';
import { errors } from './errors.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
} as const;

export interface ParsedPfx {
  /** The MacData node, when present (parsed by algorithms.macScheme). */
  macData?: Asn1Node;
  /** The octets the MAC covers: the AuthenticatedSafe encoding inside authSafe's content. */
  authSafeContent: Buffer;
  contents: ContentItem[];
  /** Bytes after the PFX element (accepted and ignored; see docs/pkcs12.md). */
  trailingBytes: number;
}

export type ContentItem =
  | { kind: 'plain'; where: string; bags: BagItem[] }
  | { kind: 'encrypted'; where: string; scheme: EncryptionScheme; ciphertext: Buffer };

export type BagItem =
  | { kind: 'key'; where: string; pkcs8: Buffer; localKeyId?: Buffer }
  | { kind: 'shrouded'; where: string; scheme: EncryptionScheme; ciphertext: Buffer; localKeyId?: Buffer }
  | { kind: 'cert'; where: string; der: Buffer; localKeyId?: Buffer };

/** Bags nested through safeContentsBag are flattened; this bounds that recursion. */
const MAX_SAFE_CONTENTS_NESTING = 4;

export function parsePfx(bytes: Buffer, limits: IterationLimits): ParsedPfx {
  const { node, trailing } = parseBer(bytes, 'PFX');
  const [version, authSafe, macData] = fields(node, 'PFX', 2);
  if (!(version && version.idBlock.tagNumber === 2 && version.idBlock.tagClass === 1)) {
    throw errors.malformed('PFX version', 'expected an INTEGER');
  }
  const [typeNode, content] = fields(authSafe!, 'PFX authSafe', 2);
  const type = oid(typeNode, 'PFX authSafe content type');
  if (type === OID.signedData) {
    throw errors.unsupportedAlgorithm('the integrity mode', type, 'public-key integrity (signedData)');
  }
  if (type !== OID.data) throw errors.malformed('PFX authSafe', `content type ${type} is not data`);
  const authSafeContent = octets(explicit(content, 0, 'PFX authSafe content'), 'PFX authSafe content');
  const infos = children(parseExact(authSafeContent, 'AuthenticatedSafe'), 'AuthenticatedSafe');
  const contents = infos.map((info, i) => parseContentInfo(info, `AuthenticatedSafe item ${i + 1}`, limits));
  return { macData, authSafeContent, contents, trailingBytes: trailing };
}

function parseContentInfo(node: Asn1Node, where: string, limits: IterationLimits): ContentItem {
  const [typeNode, content] = fields(node, where, 1);
  const type = oid(typeNode, `${where} content type`);
  if (type === OID.data) {
    const safeContents = octets(explicit(content, 0, `${where} content`), `${where} content`);
    return { kind: 'plain', where, bags: parseSafeContents(safeContents, `${where} SafeContents`, limits) };
  }
  if (type === OID.encryptedData) {
    const encryptedData = fields(explicit(content, 0, `${where} content`), `${where} EncryptedData`, 2);
    const [, algorithm, encrypted] = fields(encryptedData[1]!, `${where} EncryptedContentInfo`, 2);
    const scheme = encryptionScheme(algorithm!, `${where} encryption`, limits);
    const ciphertext = encrypted ? implicitOctets(encrypted, 0, `${where} encrypted content`) : Buffer.alloc(0);
    return { kind: 'encrypted', where, scheme, ciphertext };
  }
  if (type === OID.envelopedData) {
    throw errors.unsupportedAlgorithm(`${where}`, type, 'public-key privacy mode (envelopedData)');
  }
  throw errors.malformed(`${where} content type`, `unexpected content type ${type}`);
}

/** Parses a SafeContents (SEQUENCE OF SafeBag) into the bags we use; CRL, secret and unknown bags are skipped. */
export function parseSafeContents(bytes: Buffer, where: string, limits: IterationLimits, nesting = 0): BagItem[] {
  const bags: BagItem[] = [];
  children(parseExact(bytes, where), where).forEach((bag, i) => {
    bags.push(...parseBag(bag, `${where} bag ${i + 1}`, limits, nesting));
  });
  return bags;
}

function parseBag(node: Asn1Node, where: string, limits: IterationLimits, nesting: number): BagItem[] {
  const [idNode, valueNode, attributes] = fields(node, where, 2);
  const bagId = oid(idNode, `${where} type`);
  const value = explicit(valueNode, 0, `${where} value`);
  const localKeyId = attributes ? readLocalKeyId(attributes, `${where} attributes`) : undefined;
  switch (bagId) {
    case OID.keyBag:
      fields(value, `${where} PrivateKeyInfo`, 3);
      return [{ kind: 'key', where, pkcs8: rawBytes(value), localKeyId }];
    case OID.shroudedKeyBag: {
      const [algorithm, encrypted] = fields(value, `${where} EncryptedPrivateKeyInfo`, 2);
      const scheme = encryptionScheme(algorithm!, `${where} key encryption`, limits);
      return [{ kind: 'shrouded', where, scheme, ciphertext: octets(encrypted, `${where} encrypted key`), localKeyId }];
    }
    case OID.certBag: {
      const [typeNode, certValue] = fields(value, `${where} CertBag`, 2);
      if (oid(typeNode, `${where} certificate type`) !== OID.x509Certificate) return [];
      const der = octets(explicit(certValue, 0, `${where} certificate`), `${where} certificate`);
      return [{ kind: 'cert', where, der, localKeyId }];
    }
    case OID.safeContentsBag: {
      if (nesting >= MAX_SAFE_CONTENTS_NESTING) throw errors.malformed(where, 'SafeContents nested too deeply');
      return parseSafeContents(rawBytes(value), `${where} SafeContents`, limits, nesting + 1);
    }
    default:
      return [];
  }
}

function readLocalKeyId(node: Asn1Node, where: string): Buffer | undefined {
  for (const attribute of children(node, where, true)) {
    const [typeNode, values] = fields(attribute, where, 2);
    if (oid(typeNode, `${where} type`) !== OID.localKeyId) continue;
    const first = children(values!, `${where} localKeyId`, true)[0];
    return first ? octets(first, `${where} localKeyId`) : undefined;
  }
  return undefined;
}

/** Every encryption scheme whose iteration count is visible before decrypting anything, in file order. */
export function visibleSchemes(pfx: ParsedPfx): EncryptionScheme[] {
  const out: EncryptionScheme[] = [];
  for (const item of pfx.contents) {
    if (item.kind === 'encrypted') out.push(item.scheme);
    else for (const bag of item.bags) if (bag.kind === 'shrouded') out.push(bag.scheme);
  }
  return out;
}
