// Proves pack files are decoded by their byte order mark, by the encoding their XML declaration names, or as UTF-8.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePackBytes } from './pack-encoding.js';
import { convertScomXml } from './scom-xml.js';

const text = '<?xml version="1.0" encoding="utf-16"?>\r\n<!-- é -->\r\n<ManagementPack/>';
const utf16le = (s: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);
const utf16be = (s: string) => {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return Buffer.concat([Buffer.from([0xfe, 0xff]), le]);
};

describe('decodePackBytes', () => {
  it('reads UTF-16 little and big endian by the byte order mark, without the mark', () => {
    expect(decodePackBytes(utf16le(text))).toEqual({ ok: true, text, encoding: 'utf-16le' });
    expect(decodePackBytes(utf16be(text))).toEqual({ ok: true, text, encoding: 'utf-16be' });
  });

  it('reads UTF-16 without a mark by the zero bytes of the leading <', () => {
    expect(decodePackBytes(Buffer.from(text, 'utf16le'))).toMatchObject({ ok: true, text });
  });

  it('reads UTF-8 with or without a mark, and an 8-bit encoding its declaration names', () => {
    expect(decodePackBytes(Buffer.from(`\uFEFFid: X`, 'utf8'))).toMatchObject({ ok: true, text: 'id: X' });
    const latin = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>', 'latin1');
    expect(decodePackBytes(latin)).toMatchObject({
      ok: true,
      text: '<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>',
    });
  });

  it('refuses bytes that are not valid in their encoding, and encodings it does not read', () => {
    expect(decodePackBytes(Buffer.from([0x3c, 0x61, 0xc3, 0x28]))).toEqual({
      ok: false,
      message: 'is not valid UTF-8 text',
    });
    expect(decodePackBytes(Buffer.from('<?xml version="1.0" encoding="EBCDIC-XYZ"?><a/>'))).toEqual({
      ok: false,
      message: "declares encoding 'ebcdic-xyz', which Steward does not read",
    });
  });

  it('turns the UTF-16 fixture into a pack the importer converts', () => {
    const bytes = readFileSync(
      new URL('../../../test/fixtures/packs/scom/fabrikam-monitoring-server.xml', import.meta.url),
    );
    const decoded = decodePackBytes(bytes);
    if (!decoded.ok) throw new Error(decoded.message);
    const r = convertScomXml(decoded.text);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.document.classes?.[0]).toMatchObject({
      baseClass: 'Microsoft.Windows.ComputerRole',
      hosted: true,
    });
  });
});
