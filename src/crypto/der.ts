// A small reader of ASN.1 BER/DER: enough structure to walk PKCS#12 files (tags, lengths, nesting), with
// bounds checked at every step so a hostile file fails with a plain error, never a crash or a hang.

export interface Asn1Node {
  /** The identifier octet: class, constructed bit and tag number (tags above 30 are not needed here). */
  tag: number;
  constructed: boolean;
  /** The content octets (for a constructed node, its children's encodings). */
  content: Buffer;
  children: Asn1Node[];
}

export class Asn1Error extends Error {}

export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
  context0: 0xa0,
} as const;

const MAX_DEPTH = 32;

function readLength(buf: Buffer, at: number): { length: number | null; next: number } {
  const first = buf[at];
  if (first === undefined) throw new Asn1Error('truncated length');
  if (first < 0x80) return { length: first, next: at + 1 };
  if (first === 0x80) return { length: null, next: at + 1 };
  const n = first & 0x7f;
  if (n > 4 || at + 1 + n > buf.length) throw new Asn1Error('bad length');
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + (buf[at + 1 + i] as number);
  return { length, next: at + 1 + n };
}

function readNode(buf: Buffer, at: number, depth: number): { node: Asn1Node; next: number } {
  if (depth > MAX_DEPTH) throw new Asn1Error('nested too deeply');
  const tag = buf[at];
  if (tag === undefined) throw new Asn1Error('truncated');
  if ((tag & 0x1f) === 0x1f) throw new Asn1Error('high tag numbers are not supported');
  const constructed = (tag & 0x20) !== 0;
  const { length, next } = readLength(buf, at + 1);
  if (length === null) {
    // Indefinite length (BER): children until the end-of-contents octets 00 00.
    if (!constructed) throw new Asn1Error('indefinite length on a primitive');
    const children: Asn1Node[] = [];
    let pos = next;
    for (;;) {
      if (pos + 2 > buf.length) throw new Asn1Error('missing end of contents');
      if (buf[pos] === 0 && buf[pos + 1] === 0) break;
      const child = readNode(buf, pos, depth + 1);
      children.push(child.node);
      pos = child.next;
    }
    return { node: { tag, constructed, content: buf.subarray(next, pos), children }, next: pos + 2 };
  }
  const end = next + length;
  if (end > buf.length) throw new Asn1Error('length beyond the data');
  const content = buf.subarray(next, end);
  const children: Asn1Node[] = [];
  if (constructed) {
    let pos = 0;
    while (pos < content.length) {
      const child = readNode(content, pos, depth + 1);
      children.push(child.node);
      pos = child.next;
    }
  }
  return { node: { tag, constructed, content, children }, next: end };
}

/** Parses one node that must span the whole buffer. */
export function parseAsn1(buf: Buffer): Asn1Node {
  const { node, next } = readNode(buf, 0, 0);
  if (next !== buf.length) throw new Asn1Error('trailing data');
  return node;
}

/** The child at `index`, which must have the given tag. */
export function child(node: Asn1Node, index: number, tag?: number): Asn1Node {
  const c = node.children[index];
  if (!c) throw new Asn1Error(`missing element ${index}`);
  if (tag !== undefined && c.tag !== tag) throw new Asn1Error(`unexpected tag at element ${index}`);
  return c;
}

export function oid(node: Asn1Node): string {
  if (node.tag !== TAG.oid || node.content.length === 0) throw new Asn1Error('expected an object identifier');
  const b = node.content;
  const first = b[0] as number;
  const parts = [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80];
  let value = 0;
  for (let i = 1; i < b.length; i++) {
    const byte = b[i] as number;
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new Asn1Error('object identifier too large');
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** A non-negative INTEGER that fits a safe JavaScript number. */
export function integer(node: Asn1Node): number {
  if (node.tag !== TAG.integer || node.content.length === 0 || node.content.length > 6)
    throw new Asn1Error('expected a small integer');
  if ((node.content[0] as number) & 0x80) throw new Asn1Error('negative integer');
  return node.content.readUIntBE(0, node.content.length);
}

/** The octets of an OCTET STRING, primitive or constructed (BER), or of an implicitly tagged one. */
export function octets(node: Asn1Node): Buffer {
  if (!node.constructed) return node.content;
  return Buffer.concat(node.children.map(octets));
}
