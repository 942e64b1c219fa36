// SSH private keys as text: whether one needs a passphrase (the CLI asks for it), and its public key in the wire
// form `authorized_keys` lists (RFC 4253 §6.6), so an agent can tell whether a UNIX/Linux account's key would be
// accepted without logging on with it.
import { createHash, createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';

const OPENSSH_MAGIC = 'openssh-key-v1\0';
const curves: Record<string, string> = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' };

const sshString = (b: Buffer) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};

/** A positive integer as an SSH mpint: big-endian, no leading zeros, a zero byte before a high bit. */
const sshMpint = (b: Buffer) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return sshString((v[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
};

const b64url = (v: string | undefined) => Buffer.from(v ?? '', 'base64url');

/**
 * Reads the clear header of an `openssh-key-v1` file field by field: the cipher of its private part (`none`
 * when unencrypted), the KDF name and options, the key count, then the public keys. Throws when the text is
 * no such file or ends early.
 */
function openSshFields(text: string) {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  const raw = Buffer.from((m?.[1] ?? '').replace(/\s+/g, ''), 'base64');
  if (raw.subarray(0, OPENSSH_MAGIC.length).toString('latin1') !== OPENSSH_MAGIC)
    throw new Error('not an OpenSSH private key');
  let at = OPENSSH_MAGIC.length;
  const uint32 = () => {
    if (at + 4 > raw.length) throw new Error('truncated OpenSSH private key');
    at += 4;
    return raw.readUInt32BE(at - 4);
  };
  const string = () => {
    const len = uint32();
    const value = raw.subarray(at, at + len);
    if (value.length !== len) throw new Error('truncated OpenSSH private key');
    at += len;
    return value;
  };
  return { uint32, string };
}

/** The first public key of an OpenSSH private key file. */
function openSshPublicKey(text: string): Buffer {
  const f = openSshFields(text);
  f.string(); // cipher name
  f.string(); // KDF name
  f.string(); // KDF options
  if (f.uint32() < 1) throw new Error('the OpenSSH private key holds no key');
  return Buffer.from(f.string());
}

const isOpenSsh = (text: string) => text.includes('BEGIN OPENSSH PRIVATE KEY');
/** PKCS#8 says `BEGIN ENCRYPTED PRIVATE KEY`, PKCS#1 and SEC1 say `Proc-Type: 4,ENCRYPTED`. */
const pemIsEncrypted = (text: string) => /ENCRYPTED/.test(text);

/** True when a private key (PEM or OpenSSH text) needs a passphrase; text that is no key is not encrypted. */
export function keyIsEncrypted(text: string): boolean {
  if (pemIsEncrypted(text)) return true;
  if (!isOpenSsh(text)) return false;
  try {
    return openSshFields(text).string().toString('latin1') !== 'none';
  } catch {
    return false;
  }
}

/** The public half of a PEM private key (PKCS#1, PKCS#8, SEC1; encrypted ones need the passphrase). */
function fromPem(pem: string, passphrase: string | undefined): Buffer {
  const encrypted = pemIsEncrypted(pem);
  if (encrypted && passphrase === undefined)
    throw new Error('the private key is encrypted and no passphrase came with it');
  let jwk: JsonWebKey;
  try {
    jwk = createPublicKey(createPrivateKey({ key: pem, passphrase })).export({ format: 'jwk' });
  } catch {
    throw new Error(
      encrypted ? 'the private key cannot be read with its passphrase' : 'the private key cannot be read',
    );
  }
  if (jwk.kty === 'RSA')
    return Buffer.concat([
      sshString(Buffer.from('ssh-rsa')),
      sshMpint(b64url(jwk.e)),
      sshMpint(b64url(jwk.n)),
    ]);
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519')
    return Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(b64url(jwk.x))]);
  const curve = jwk.kty === 'EC' && jwk.crv ? curves[jwk.crv] : undefined;
  if (curve)
    return Buffer.concat([
      sshString(Buffer.from(`ecdsa-sha2-${curve}`)),
      sshString(Buffer.from(curve)),
      sshString(Buffer.concat([Buffer.from([4]), b64url(jwk.x), b64url(jwk.y)])),
    ]);
  throw new Error(`a ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''} key has no SSH form`);
}

/**
 * The SSH public key blob of `privateKey` (OpenSSH or PEM text). Throws when the text is no private key, or
 * an encrypted PEM key comes without its passphrase; the message never quotes the key.
 */
export function sshPublicKeyBlob(privateKey: string, passphrase?: string): Buffer {
  return isOpenSsh(privateKey) ? openSshPublicKey(privateKey) : fromPem(privateKey, passphrase);
}

/** `SHA256:…`, as `ssh-keygen -l` prints it. */
export const sshFingerprint = (blob: Buffer) =>
  `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

/** The key blobs (base64) of an `authorized_keys` file's lines; options before the key type are skipped. */
export function authorizedKeyBlobs(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /(?:^|\s)((?:ssh|ecdsa|sk)-[\w@.-]+)\s+([A-Za-z0-9+/]+={0,2})(?:\s|$)/.exec(line.trim());
    if (m && !line.trimStart().startsWith('#')) out.push(m[2]!);
  }
  return out;
}
