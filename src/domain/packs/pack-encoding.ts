// Turns the bytes of a pack file into text: by its byte order mark, else by the encoding its XML declaration names, else UTF-8.

export type PackDecodeOutcome = { ok: true; text: string; encoding: string } | { ok: false; message: string };

/** Encodings a management pack is written in; SCOM's own exports are UTF-16 with a byte order mark. */
const SUPPORTED = new Map<string, string>([
  ['utf-8', 'utf-8'],
  ['utf8', 'utf-8'],
  ['us-ascii', 'utf-8'],
  ['ascii', 'utf-8'],
  ['utf-16', 'utf-16le'],
  ['utf-16le', 'utf-16le'],
  ['utf-16be', 'utf-16be'],
  ['unicode', 'utf-16le'],
  ['iso-8859-1', 'latin1'],
  ['latin1', 'latin1'],
  ['windows-1252', 'windows-1252'],
]);

const decode = (bytes: Uint8Array, encoding: string): string =>
  new TextDecoder(encoding, { fatal: true, ignoreBOM: false }).decode(bytes);

/**
 * Decodes a pack file. A byte order mark decides (UTF-8, UTF-16 LE or BE); without one, UTF-16 is
 * recognised by the zero bytes of a leading `<`, and otherwise the `encoding` of the XML declaration
 * is used (UTF-8 when there is none, as XML and YAML both default to it). Undecodable bytes are refused.
 */
export function decodePackBytes(bytes: Uint8Array): PackDecodeOutcome {
  let encoding = 'utf-8';
  const [b0, b1, b2] = bytes;
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) encoding = 'utf-8';
  else if (b0 === 0xff && b1 === 0xfe) encoding = 'utf-16le';
  else if (b0 === 0xfe && b1 === 0xff) encoding = 'utf-16be';
  else if (b0 === 0x3c && b1 === 0x00) encoding = 'utf-16le';
  else if (b0 === 0x00 && b1 === 0x3c) encoding = 'utf-16be';
  else {
    // The declaration is ASCII in every encoding this branch can meet.
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
    const declared = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/
      .exec(head)?.[1]
      ?.toLowerCase();
    if (declared) {
      const known = SUPPORTED.get(declared);
      if (!known)
        return { ok: false, message: `declares encoding '${declared}', which Steward does not read` };
      // A file that says UTF-16 but has neither a byte order mark nor zero bytes is in fact 8-bit.
      encoding = known.startsWith('utf-16') ? 'utf-8' : known;
    }
  }
  try {
    return { ok: true, text: decode(bytes, encoding).replace(/^\uFEFF/, ''), encoding };
  } catch {
    return { ok: false, message: `is not valid ${encoding.toUpperCase()} text` };
  }
}
