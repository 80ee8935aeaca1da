// Typed accessors over asn1js nodes. PKCS#12 is read with asn1js directly rather than through the
// @peculiar/asn1-pfx schema classes because the schema layer drops BER constructed / indefinite-length OCTET
// STRINGs (NSS writes them), turns large INTEGERs into strings and materialises an absent macData (see
// docs/pkcs12.md). Every accessor takes a `where` path so a failure says where the structure broke.
import * as asn1js from 'asn1js';
import { errors } from './errors.js';

export type Asn1Node = asn1js.AsnType;

/** Nesting and node limits: real PKCS#12 files nest about 12 levels and hold a few hundred nodes. */
const PARSE_OPTIONS = { maxDepth: 48, maxNodes: 10_000, parseEmbedded: false, copyInput: false } as const;

/** Parses one BER/DER element; returns it and the number of bytes that follow it. */
export function parseBer(bytes: Uint8Array, where: string): { node: Asn1Node; trailing: number } {
  if (bytes.length === 0) throw errors.malformed(where, 'empty');
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(bytes, PARSE_OPTIONS);
  } catch {
    // asn1js throws (rather than reporting) on some invalid primitives, e.g. an unreadable GeneralizedTime.
    throw errors.malformed(where, 'undecodable BER');
  }
  const { offset, result } = parsed;
  if (offset === -1 || result.error) throw errors.malformed(where, result.error || 'undecodable BER');
  return { node: result, trailing: bytes.length - offset };
}

/** Parses content that must be exactly one element (trailing bytes inside a structure are an error). */
export function parseExact(bytes: Uint8Array, where: string): Asn1Node {
  const { node, trailing } = parseBer(bytes, where);
  if (trailing !== 0) throw errors.malformed(where, `${trailing} unexpected bytes after the element`);
  return node;
}

function describe(node: Asn1Node): string {
  const id = node.idBlock;
  const cls = ['', 'universal', 'application', 'context', 'private'][id.tagClass] ?? 'unknown';
  return `${cls} tag ${id.tagNumber}`;
}

/** Children of a SEQUENCE (or SET when `set` is true). */
export function children(node: Asn1Node, where: string, set = false): Asn1Node[] {
  const expected = set ? asn1js.Set : asn1js.Sequence;
  if (!(node instanceof expected)) {
    throw errors.malformed(where, `expected a ${set ? 'SET' : 'SEQUENCE'}, found ${describe(node)}`);
  }
  return node.valueBlock.value;
}

/** Children of a SEQUENCE with at least `min` elements. */
export function fields(node: Asn1Node, where: string, min: number): Asn1Node[] {
  const list = children(node, where);
  if (list.length < min) throw errors.malformed(where, `expected at least ${min} elements, found ${list.length}`);
  return list;
}

export function oid(node: Asn1Node | undefined, where: string): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) {
    throw errors.malformed(where, node ? `expected an OBJECT IDENTIFIER, found ${describe(node)}` : 'missing');
  }
  const value = node.valueBlock.toString();
  if (!value) throw errors.malformed(where, 'invalid OBJECT IDENTIFIER');
  return value;
}

/** INTEGER as bigint (asn1js's valueDec is 0 for 4+ content bytes, so never use it for counts). */
export function integer(node: Asn1Node | undefined, where: string): bigint {
  if (!(node instanceof asn1js.Integer) || node.valueBlock.valueHexView.length === 0) {
    throw errors.malformed(where, node ? `expected an INTEGER, found ${describe(node)}` : 'missing');
  }
  return node.toBigInt();
}

/** Concatenated content of a primitive or constructed (BER, possibly nested) string-like element. */
function stringContent(node: Asn1Node, where: string, depth = 0): Buffer {
  if (!node.idBlock.isConstructed) {
    const view = (node.valueBlock as unknown as { valueHexView?: Uint8Array }).valueHexView;
    if (!view) throw errors.malformed(where, `expected an OCTET STRING, found ${describe(node)}`);
    return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  }
  const parts = (node.valueBlock as unknown as { value?: Asn1Node[] }).value;
  if (!parts || depth > 4) throw errors.malformed(where, 'invalid constructed OCTET STRING');
  return Buffer.concat(parts.map((part) => stringContent(part, where, depth + 1)));
}

/** OCTET STRING content, primitive or BER constructed. */
export function octets(node: Asn1Node | undefined, where: string): Buffer {
  if (!node) throw errors.malformed(where, 'missing');
  if (node.idBlock.tagClass !== 1 || node.idBlock.tagNumber !== 4) {
    throw errors.malformed(where, `expected an OCTET STRING, found ${describe(node)}`);
  }
  return stringContent(node, where);
}

/** Content of an IMPLICIT context-tagged OCTET STRING ([n] IMPLICIT OCTET STRING), primitive or constructed. */
export function implicitOctets(node: Asn1Node, tagNumber: number, where: string): Buffer {
  if (!isContext(node, tagNumber)) throw errors.malformed(where, `expected [${tagNumber}], found ${describe(node)}`);
  return stringContent(node, where);
}

export function isContext(node: Asn1Node | undefined, tagNumber: number): boolean {
  return node !== undefined && node.idBlock.tagClass === 3 && node.idBlock.tagNumber === tagNumber;
}

/** The single element inside an EXPLICIT context tag [n]. */
export function explicit(node: Asn1Node | undefined, tagNumber: number, where: string): Asn1Node {
  if (!isContext(node, tagNumber) || !(node instanceof asn1js.Constructed)) {
    throw errors.malformed(where, node ? `expected [${tagNumber}] EXPLICIT, found ${describe(node)}` : 'missing');
  }
  const inner = node.valueBlock.value[0];
  if (!inner || node.valueBlock.value.length !== 1) throw errors.malformed(where, 'empty or over-full explicit tag');
  return inner;
}

/** The original encoding of a parsed node (used for inline structures such as a key bag's PrivateKeyInfo). */
export function rawBytes(node: Asn1Node): Buffer {
  const view = node.valueBeforeDecodeView;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
