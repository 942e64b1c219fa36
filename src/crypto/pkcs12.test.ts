// Proves PKCS#12 files made by OpenSSL 3 are read (AES/PBKDF2 with a SHA-256 MAC, 3DES with a SHA-1 MAC, legacy
// RC2, no password, no encryption, no MAC, an EC key, a non-ASCII password), a wrong password is told apart from
// a broken file, a file asking for too many iterations is refused at once, and hostile bytes fail with a
// Pkcs12Error rather than anything else.
//
// The fixtures in test/fixtures/automation were made with OpenSSL 3.0 from cert.pem and key.pem:
//   openssl pkcs12 -export -in cert.pem -inkey key.pem -passout pass:pfx-Pa55word -out aes.pfx
//   ... -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1 -out 3des.pfx   ... -legacy -out rc2.pfx
//   ... -passout pass: -out nopass.pfx            ... -passout pass: -keypbe NONE -certpbe NONE -out plain.pfx
//   ... -nomac -out nomac.pfx                     ... -passout pass:'Pässwörd€' -out utf8.pfx
//   ... -iter 2000000 -out slow.pfx
//   ec.pfx: the same as aes.pfx for a P-256 key and a self-signed certificate (CN=steward-ec-test).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { MAX_PKCS12_BYTES, Pkcs12Error, readPkcs12 } from './pkcs12.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/automation/${name}`, import.meta.url));
const PASSWORD = 'pfx-Pa55word';
const THUMBPRINT = '70:A5:AC:E1:37:7A:D2:5F:09:6E:55:EF:D2:67:6F:5E:63:5B:C1:F0';

const reasonOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof Pkcs12Error) return err.reason;
    throw err;
  }
  return 'read';
};

describe('readPkcs12', () => {
  it.each([
    ['aes.pfx', PASSWORD],
    ['3des.pfx', PASSWORD],
    ['rc2.pfx', PASSWORD],
    ['nopass.pfx', ''],
    ['plain.pfx', ''],
    ['nomac.pfx', PASSWORD],
    ['utf8.pfx', 'Pässwörd€'],
  ])('reads %s: the certificate and the private key that belongs to it', (file, password) => {
    const { certificates, keys } = readPkcs12(fixture(file), password);
    expect(certificates.map((c) => c.fingerprint)).toEqual([THUMBPRINT]);
    expect(keys).toHaveLength(1);
    expect(certificates[0]!.checkPrivateKey(keys[0]!)).toBe(true);
  });

  it('reads an EC key and its certificate (forge itself reads only RSA keys)', () => {
    const { certificates, keys } = readPkcs12(fixture('ec.pfx'), PASSWORD);
    expect(certificates.map((c) => c.subject)).toEqual(['CN=steward-ec-test']);
    expect(keys.map((k) => k.asymmetricKeyType)).toEqual(['ec']);
    expect(certificates[0]!.checkPrivateKey(keys[0]!)).toBe(true);
  });

  it('reads a password-less file whose MAC is keyed with no password bytes at all (not OpenSSL\'s "")', () => {
    const key = forge.pki.privateKeyFromPem(fixture('key.pem').toString());
    const cert = forge.pki.certificateFromPem(fixture('cert.pem').toString());
    const file = Buffer.from(
      forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(key, cert, null)).getBytes(),
      'binary',
    );
    const { certificates, keys } = readPkcs12(file, '');
    expect(certificates.map((c) => c.fingerprint)).toEqual([THUMBPRINT]);
    expect(keys).toHaveLength(1);
    expect(reasonOf(() => readPkcs12(file, 'x'))).toBe('wrong-password');
  });

  it('tells a wrong password apart, with or without a MAC, without the password in the message', () => {
    for (const file of ['aes.pfx', '3des.pfx', 'rc2.pfx', 'nomac.pfx', 'ec.pfx', 'nopass.pfx', 'plain.pfx']) {
      expect([file, reasonOf(() => readPkcs12(fixture(file), 'not-the-password'))]).toEqual([
        file,
        'wrong-password',
      ]);
    }
    expect(reasonOf(() => readPkcs12(fixture('aes.pfx'), ''))).toBe('wrong-password');
    // The UTF-8 bytes of the password read as Latin-1 are another password.
    expect(reasonOf(() => readPkcs12(fixture('utf8.pfx'), 'PÃ¤sswÃ¶rdâ\u0082¬'))).toBe('wrong-password');
    try {
      readPkcs12(fixture('aes.pfx'), 'not-the-password');
    } catch (err) {
      expect((err as Error).message).not.toContain('not-the-password');
    }
  });

  it('refuses a file asking for more iterations than allowed before spending them', () => {
    const started = Date.now();
    expect(reasonOf(() => readPkcs12(fixture('slow.pfx'), PASSWORD))).toBe('unsupported');
    expect(() => readPkcs12(fixture('slow.pfx'), PASSWORD)).toThrow(/iterations/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a file larger than the bound without reading it', () => {
    const big = Buffer.concat([fixture('aes.pfx'), Buffer.alloc(MAX_PKCS12_BYTES)]);
    expect(reasonOf(() => readPkcs12(big, PASSWORD))).toBe('malformed');
  });

  it('leaves forge as it found it, after a read and after a failure', () => {
    const before = [forge.pkcs5.pbkdf2, forge.pkcs12.generateKey];
    readPkcs12(fixture('aes.pfx'), PASSWORD);
    reasonOf(() => readPkcs12(fixture('aes.pfx'), 'x'));
    reasonOf(() => readPkcs12(fixture('slow.pfx'), PASSWORD));
    expect([forge.pkcs5.pbkdf2, forge.pkcs12.generateKey]).toEqual(before);
  });

  it('answers malformed for a PEM file, a bare certificate, truncated files and random bytes, never another error', () => {
    expect(reasonOf(() => readPkcs12(fixture('cert.pem'), ''))).toBe('malformed');
    expect(reasonOf(() => readPkcs12(fixture('cert.der'), ''))).toBe('malformed');
    const good = fixture('aes.pfx');
    for (const n of [0, 1, 10, 100, 1000, good.length - 1])
      expect(reasonOf(() => readPkcs12(good.subarray(0, n), PASSWORD))).toMatch(/malformed|wrong-password/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(['malformed', 'unsupported', 'wrong-password']).toContain(
          reasonOf(() => readPkcs12(Buffer.from(bytes), 'x')),
        );
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('answers with a Pkcs12Error, quickly, for real files with bytes flipped or cut anywhere', () => {
    const files = ['aes.pfx', '3des.pfx', 'rc2.pfx', 'nomac.pfx', 'plain.pfx'].map((f) => fixture(f));
    const started = Date.now();
    fc.assert(
      fc.property(
        fc.nat(files.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat()),
        (which, flips, cut) => {
          const file = Buffer.from(files[which]!);
          for (const [at, xor] of flips) {
            const i = at % file.length;
            file[i] = (file[i] as number) ^ xor;
          }
          const bytes = cut === null ? file : file.subarray(0, cut % file.length);
          const reason = reasonOf(() => readPkcs12(bytes, which === 4 ? '' : PASSWORD));
          expect(['read', 'malformed', 'unsupported', 'wrong-password']).toContain(reason);
        },
      ),
      { numRuns: 150, seed: 11 },
    );
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
