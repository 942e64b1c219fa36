// Reads a PKCS#12 (.pfx/.p12) file: checks its password against the MAC, decrypts its bags with node:crypto
// (PBES2 with PBKDF2 and AES or 3DES; the PKCS#12 PBEs with 3DES) and returns the certificates and keys.
// RC2 and RC4 (legacy exports) are refused by name: OpenSSL 3 has them only in its legacy provider.
import {
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  type KeyObject,
  pbkdf2Sync,
  timingSafeEqual,
  X509Certificate,
} from 'node:crypto';
import { Asn1Error, type Asn1Node, child, integer, octets, oid, parseAsn1, TAG } from './der.js';

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

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
};

const hashes: Record<string, { name: string; block: number; size: number }> = {
  '1.3.14.3.2.26': { name: 'sha1', block: 64, size: 20 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', block: 64, size: 32 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', block: 128, size: 48 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', block: 128, size: 64 },
};
const hmacPrfs: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const pbes2Ciphers: Record<string, { name: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};
const pkcs12Pbes: Record<string, { name: string; keyLength: number } | string> = {
  '1.2.840.113549.1.12.1.3': { name: 'des-ede3-cbc', keyLength: 24 },
  '1.2.840.113549.1.12.1.4': { name: 'des-ede-cbc', keyLength: 16 },
  '1.2.840.113549.1.12.1.1': 'RC4',
  '1.2.840.113549.1.12.1.2': 'RC4',
  '1.2.840.113549.1.12.1.5': 'RC2',
  '1.2.840.113549.1.12.1.6': 'RC2',
};

/** Iteration counts above this are refused: a file must not make the server spin. */
const MAX_ITERATIONS = 10_000_000;

const malformed = (what: string) =>
  new Pkcs12Error('malformed', `The file is not a readable PKCS#12 file (${what}).`);
const wrongPassword = () =>
  new Pkcs12Error('wrong-password', 'The password is wrong (the file failed its integrity check).');

/** The password as PKCS#12 wants it: UTF-16BE with a terminating zero (and just the zero when empty). */
function bmpPassword(password: string): Buffer {
  const out = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

/** The key derivation of RFC 7292 appendix B.2: id 1 for keys, 2 for IVs, 3 for MAC keys. */
export function pkcs12Kdf(
  hash: { name: string; block: number; size: number },
  password: Buffer,
  salt: Buffer,
  iterations: number,
  id: 1 | 2 | 3,
  length: number,
): Buffer {
  const v = hash.block;
  const fill = (src: Buffer) => {
    if (src.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length] as number;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(password)]);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < length; produced += hash.size) {
    let A = createHash(hash.name).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(hash.name).update(A).digest();
    blocks.push(A);
    const B = Buffer.alloc(v);
    for (let i = 0; i < v; i++) B[i] = A[i % A.length] as number;
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (I[j + k] as number) + (B[k] as number) + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function iterationsOf(node: Asn1Node | undefined): number {
  const n = node ? integer(node) : 1;
  if (n < 1 || n > MAX_ITERATIONS) throw malformed('iteration count out of range');
  return n;
}

/** Decrypts an encrypted content (EncryptedData or EncryptedPrivateKeyInfo) given its AlgorithmIdentifier. */
function decrypt(algorithm: Asn1Node, ciphertext: Buffer, password: string): Buffer {
  const alg = oid(child(algorithm, 0));
  const params = algorithm.children[1];
  let cipher: string;
  let key: Buffer;
  let iv: Buffer;
  if (alg === OID.pbes2) {
    if (!params) throw malformed('PBES2 without parameters');
    const kdf = child(params, 0, TAG.sequence);
    const scheme = child(params, 1, TAG.sequence);
    if (oid(child(kdf, 0)) !== OID.pbkdf2)
      throw new Pkcs12Error('unsupported', 'Only PBKDF2 is supported in PBES2.');
    const kp = child(kdf, 1, TAG.sequence);
    const salt = octets(child(kp, 0, TAG.octetString));
    const iterations = iterationsOf(child(kp, 1, TAG.integer));
    let prfNode: Asn1Node | undefined;
    for (const c of kp.children.slice(2)) if (c.tag === TAG.sequence) prfNode = c;
    const prf = prfNode ? hmacPrfs[oid(child(prfNode, 0))] : 'sha1';
    const c = pbes2Ciphers[oid(child(scheme, 0))];
    if (!prf || !c)
      throw new Pkcs12Error(
        'unsupported',
        'The file uses an encryption this server does not support; use AES.',
      );
    cipher = c.name;
    key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, c.keyLength, prf);
    iv = octets(child(scheme, 1, TAG.octetString));
  } else {
    const pbe = pkcs12Pbes[alg];
    if (!pbe)
      throw new Pkcs12Error(
        'unsupported',
        'The file uses an encryption this server does not support; use AES.',
      );
    if (typeof pbe === 'string')
      throw new Pkcs12Error(
        'unsupported',
        `The file is encrypted with ${pbe}, a legacy algorithm this server does not support: export it again with AES-256 (e.g. openssl pkcs12 -export without -legacy, or Windows' AES256-SHA256 option).`,
      );
    if (!params) throw malformed('PBE without parameters');
    const salt = octets(child(params, 0, TAG.octetString));
    const iterations = iterationsOf(params.children[1]);
    const sha1 = hashes['1.3.14.3.2.26']!;
    const pw = bmpPassword(password);
    cipher = pbe.name;
    key = pkcs12Kdf(sha1, pw, salt, iterations, 1, pbe.keyLength);
    iv = pkcs12Kdf(sha1, pw, salt, iterations, 2, 8);
  }
  try {
    const d = createDecipheriv(cipher, key, iv);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    // Bad padding: the password is wrong (a file without a MAC has no other check).
    throw wrongPassword();
  } finally {
    key.fill(0);
  }
}

function verifyMac(macData: Asn1Node, content: Buffer, password: string): void {
  const digestInfo = child(macData, 0, TAG.sequence);
  const hash = hashes[oid(child(child(digestInfo, 0, TAG.sequence), 0))];
  if (!hash)
    throw new Pkcs12Error('unsupported', 'The file is protected by a MAC this server does not support.');
  const expected = octets(child(digestInfo, 1, TAG.octetString));
  const salt = octets(child(macData, 1, TAG.octetString));
  const iterations = iterationsOf(macData.children[2]);
  // An empty password is written either as a lone terminating zero or as nothing at all: try both.
  const candidates = password === '' ? [bmpPassword(''), Buffer.alloc(0)] : [bmpPassword(password)];
  for (const pw of candidates) {
    const key = pkcs12Kdf(hash, pw, salt, iterations, 3, hash.size);
    const mac = createHmac(hash.name, key).update(content).digest();
    if (mac.length === expected.length && timingSafeEqual(mac, expected)) return;
  }
  throw wrongPassword();
}

function readBags(safeContents: Buffer, password: string, out: Pkcs12Contents): void {
  for (const bag of parseAsn1(safeContents).children) {
    const id = oid(child(bag, 0));
    const value = child(child(bag, 1, TAG.context0), 0);
    if (id === OID.certBag) {
      if (oid(child(value, 0)) !== OID.x509Certificate) continue;
      const der = octets(child(child(value, 1, TAG.context0), 0, TAG.octetString));
      try {
        out.certificates.push(new X509Certificate(der));
      } catch {
        throw malformed('a certificate in it cannot be read');
      }
    } else if (id === OID.keyBag || id === OID.shroudedKeyBag) {
      const der =
        id === OID.keyBag
          ? value.content.length
            ? Buffer.concat([Buffer.from([value.tag]), encodeLength(value.content.length), value.content])
            : Buffer.alloc(0)
          : decrypt(child(value, 0, TAG.sequence), octets(child(value, 1, TAG.octetString)), password);
      try {
        out.keys.push(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
      } catch {
        // A wrong password can decrypt with valid padding by chance (1 in 256): what comes out is not a key.
        throw id === OID.shroudedKeyBag ? wrongPassword() : malformed('its private key cannot be read');
      }
    }
  }
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Reads a PKCS#12 file with its password ('' when it has none). Throws Pkcs12Error. */
export function readPkcs12(file: Buffer, password: string): Pkcs12Contents {
  try {
    const pfx = parseAsn1(file);
    if (pfx.tag !== TAG.sequence || integer(child(pfx, 0, TAG.integer)) !== 3)
      throw malformed('not version 3');
    const authSafe = child(pfx, 1, TAG.sequence);
    if (oid(child(authSafe, 0)) !== OID.data)
      throw new Pkcs12Error(
        'unsupported',
        'Only password-protected PKCS#12 files are supported (not public-key mode).',
      );
    const content = octets(child(child(authSafe, 1, TAG.context0), 0, TAG.octetString));
    const macData = pfx.children[2];
    if (macData) verifyMac(macData, content, password);
    const out: Pkcs12Contents = { certificates: [], keys: [] };
    for (const info of parseAsn1(content).children) {
      const type = oid(child(info, 0));
      const inner = child(child(info, 1, TAG.context0), 0);
      if (type === OID.data) readBags(octets(inner), password, out);
      else if (type === OID.encryptedData) {
        const eci = child(inner, 1, TAG.sequence);
        const encrypted = child(eci, 2);
        if ((encrypted.tag & 0xdf) !== 0x80) throw malformed('unexpected encrypted content');
        readBags(decrypt(child(eci, 1, TAG.sequence), octets(encrypted), password), password, out);
      } else
        throw new Pkcs12Error(
          'unsupported',
          'The file holds public-key encrypted contents, which are not supported.',
        );
    }
    return out;
  } catch (err) {
    if (err instanceof Pkcs12Error) throw err;
    if (err instanceof Asn1Error) throw malformed(err.message);
    throw malformed('unexpected structure');
  }
}
