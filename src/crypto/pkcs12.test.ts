// Proves PKCS#12 files made by OpenSSL 3 are read (AES/PBKDF2 with a SHA-256 MAC, 3DES with a SHA-1 MAC, no
// password), a wrong password is told apart from a broken file, legacy RC2 is refused by name, and hostile
// bytes fail as "malformed" rather than throwing anything else.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pkcs12Error, readPkcs12 } from './pkcs12.js';

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
    ['nopass.pfx', ''],
  ])('reads %s: the certificate and the private key that belongs to it', (file, password) => {
    const { certificates, keys } = readPkcs12(fixture(file), password);
    expect(certificates.map((c) => c.fingerprint)).toEqual([THUMBPRINT]);
    expect(keys).toHaveLength(1);
    expect(certificates[0]!.checkPrivateKey(keys[0]!)).toBe(true);
  });

  it('tells a wrong password apart, without the password in the message', () => {
    for (const file of ['aes.pfx', '3des.pfx']) {
      expect(reasonOf(() => readPkcs12(fixture(file), 'not-the-password'))).toBe('wrong-password');
    }
    try {
      readPkcs12(fixture('aes.pfx'), 'not-the-password');
    } catch (err) {
      expect((err as Error).message).not.toContain('not-the-password');
    }
  });

  it('refuses RC2 (a legacy export) as unsupported, saying how to export again', () => {
    expect(reasonOf(() => readPkcs12(fixture('rc2.pfx'), PASSWORD))).toBe('unsupported');
    expect(() => readPkcs12(fixture('rc2.pfx'), PASSWORD)).toThrow(/RC2.*AES-256/);
  });

  it('answers malformed for a PEM file, truncated files and random bytes, never another error', () => {
    expect(reasonOf(() => readPkcs12(fixture('cert.pem'), ''))).toBe('malformed');
    const good = fixture('aes.pfx');
    for (const n of [0, 1, 10, 100, good.length - 1])
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
});
