// Reads a PKCS#12 (.pfx/.p12) file with node-forge: it checks the password against the MAC, decrypts the bags
// (PBES2 with AES or 3DES; the PKCS#12 PBEs with 3DES or 40-bit RC2, as legacy exports use) and this module
// hands back the certificates and keys as node:crypto objects. Around forge, this module only bounds the work a
// file may ask for, passes the password as OpenSSL does, and sorts forge's errors into three reasons.
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export type Pkcs12ErrorReason = 'malformed' | 'wrong-password' | 'unsupported';

/** Why a file could not be read; the message never contains the password or key material. */
export class Pkcs12Error extends Error {
  constructor(
    readonly reason: Pkcs12ErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export interface Pkcs12Contents {
  certificates: X509Certificate[];
  keys: KeyObject[];
}

/** Larger files are refused before parsing (the upload contract bounds them the same way). */
export const MAX_PKCS12_BYTES = 64 * 1024;

/**
 * forge derives keys in JavaScript, a few microseconds an iteration: the iterations of all key derivations of one
 * file together are bounded, so a file cannot make the server spin. OpenSSL writes 2048 a derivation, Java 10000;
 * a file needs three to five derivations.
 */
export const MAX_TOTAL_ITERATIONS = 1_000_000;

const malformed = (what: string) =>
  new Pkcs12Error('malformed', `The file is not a readable PKCS#12 file (${what}).`);
const wrongPassword = () =>
  new Pkcs12Error(
    'wrong-password',
    'The password is wrong (the file failed its integrity check or its decryption).',
  );

type Kdf = (...args: unknown[]) => unknown;
/** forge's key derivations, looked up by its own code at each call (so they can be wrapped for one read). */
interface ForgeKdfs {
  pkcs5: { pbkdf2: Kdf };
  pbe: { generatePkcs12Key: Kdf };
  pkcs12: { generateKey: Kdf };
}
const kdfs = forge as unknown as ForgeKdfs;

interface ReadState {
  /** A key derivation for decrypting (not for the MAC) has run: the MAC, if any, was verified before. */
  decrypting: boolean;
}

/**
 * Runs `read` with forge's key derivations wrapped, and restores them after (reading is synchronous, so nothing
 * else runs meanwhile). The wrappers bound the iterations; give PBKDF2 the password as UTF-8 (forge would take the
 * low byte of each character) while the PKCS#12 derivation keeps its UTF-16 (both as OpenSSL 3 does); and, when
 * `emptyAsNothing`, derive from no password bytes at all rather than the lone terminating zero of "" (some
 * writers encode a password-less file so; OpenSSL tries both).
 */
function withGuardedKdfs<T>(emptyAsNothing: boolean, read: (state: ReadState) => T): T {
  const original = {
    pbkdf2: kdfs.pkcs5.pbkdf2,
    pbeKey: kdfs.pbe.generatePkcs12Key,
    p12Key: kdfs.pkcs12.generateKey,
  };
  const state: ReadState = { decrypting: false };
  let spent = 0;
  const spend = (iterations: unknown) => {
    const n = typeof iterations === 'number' ? iterations : Number.NaN;
    if (!(n >= 1)) throw malformed('iteration count out of range');
    spent += n;
    if (spent > MAX_TOTAL_ITERATIONS)
      throw new Pkcs12Error(
        'unsupported',
        `The file asks for more key-derivation iterations than this server allows (${MAX_TOTAL_ITERATIONS} in all).`,
      );
  };
  const pkcs12Key =
    (kdf: Kdf): Kdf =>
    (password, salt, id, iterations, ...rest) => {
      spend(iterations);
      if (id !== 3) state.decrypting = true;
      return kdf(emptyAsNothing && password === '' ? null : password, salt, id, iterations, ...rest);
    };
  kdfs.pkcs5.pbkdf2 = (password, salt, iterations, ...rest) => {
    spend(iterations);
    state.decrypting = true;
    const utf8 = Buffer.from(typeof password === 'string' ? password : '', 'utf8').toString('binary');
    return original.pbkdf2(utf8, salt, iterations, ...rest);
  };
  kdfs.pbe.generatePkcs12Key = pkcs12Key(original.pbeKey);
  kdfs.pkcs12.generateKey = pkcs12Key(original.p12Key);
  try {
    return read(state);
  } finally {
    kdfs.pkcs5.pbkdf2 = original.pbkdf2;
    kdfs.pbe.generatePkcs12Key = original.pbeKey;
    kdfs.pkcs12.generateKey = original.p12Key;
  }
}

const derOf = (asn1: forge.asn1.Asn1) => Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');

/** The certificates and keys of forge's bags. forge itself reads only RSA: other bags come as ASN.1 only. */
function contentsOf(pfx: forge.pkcs12.Pkcs12Pfx): Pkcs12Contents {
  const out: Pkcs12Contents = { certificates: [], keys: [] };
  for (const safe of pfx.safeContents) {
    for (const bag of safe.safeBags) {
      if (bag.type === forge.pki.oids.certBag) {
        const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
        if (!asn1) throw malformed('a certificate in it cannot be read');
        try {
          out.certificates.push(new X509Certificate(derOf(asn1)));
        } catch {
          throw malformed('a certificate in it cannot be read');
        }
      } else if (bag.type === forge.pki.oids.keyBag || bag.type === forge.pki.oids.pkcs8ShroudedKeyBag) {
        const asn1 = bag.key
          ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key as forge.pki.rsa.PrivateKey))
          : bag.asn1;
        if (!asn1) throw malformed('its private key cannot be read');
        try {
          out.keys.push(createPrivateKey({ key: derOf(asn1), format: 'der', type: 'pkcs8' }));
        } catch {
          throw malformed('its private key cannot be read');
        }
      }
    }
  }
  return out;
}

function readWith(file: Buffer, password: string, emptyAsNothing: boolean): Pkcs12Contents {
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(file.toString('binary')));
  } catch (err) {
    throw malformed(err instanceof Error ? err.message.replace(/\.$/, '') : 'not DER');
  }
  // Without a MAC, a failed (or garbled) decryption is the only sign of a wrong password.
  const hasMac = Array.isArray(asn1.value) && asn1.value.length > 2;
  return withGuardedKdfs(emptyAsNothing, (state) => {
    try {
      return contentsOf(forge.pkcs12.pkcs12FromAsn1(asn1, password));
    } catch (err) {
      if (err instanceof Pkcs12Error && err.reason !== 'malformed') throw err;
      if (state.decrypting && !hasMac) throw wrongPassword();
      if (err instanceof Pkcs12Error) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (/MAC could not be verified/.test(message)) throw wrongPassword();
      if (/unsupported|only .*supported/i.test(message))
        throw new Pkcs12Error(
          'unsupported',
          `The file uses something this server cannot read (${message.replace(/\.$/, '')}).`,
        );
      throw malformed(message.replace(/\.$/, '') || 'unexpected structure');
    }
  });
}

/** Reads a PKCS#12 file with its password ('' when it has none). Throws Pkcs12Error. */
export function readPkcs12(file: Buffer, password: string): Pkcs12Contents {
  if (file.length > MAX_PKCS12_BYTES) throw malformed(`larger than ${MAX_PKCS12_BYTES / 1024} KiB`);
  try {
    return readWith(file, password, false);
  } catch (err) {
    if (!(password === '' && err instanceof Pkcs12Error && err.reason === 'wrong-password')) throw err;
    return readWith(file, password, true);
  }
}
