// Proves how `steward account create|update` builds each credential type from flags, files and stdin lines —
// in the documented order, accepted by the contract schema — and that errors name the flag, never the secret.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialSchema } from '../contract/accounts.js';
import { keyIsEncrypted } from '../crypto/ssh-public-key.js';
import { type CredentialFlags, readCredential } from './account-credential.js';
import { contextFrom } from './cli-context.js';

const dir = mkdtempSync(join(tmpdir(), 'steward-cred-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

/** A context whose stdin holds `input` and is not a terminal. */
function ctxWith(input = '') {
  const stdin = new PassThrough();
  stdin.end(input);
  return contextFrom({ env: {}, stdin, stdout: new PassThrough(), stderr: new PassThrough() });
}

const build = (
  type: Parameters<typeof readCredential>[1],
  flags: CredentialFlags,
  input = '',
  base?: Record<string, unknown>,
) => readCredential(ctxWith(input), type, flags, base);

const { privateKey: plainKey } = generateKeyPairSync('ed25519', {
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const { privateKey: lockedKey } = generateKeyPairSync('ed25519', {
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'key pass' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

/** An OpenSSH private key frame naming `cipher`: only the header matters to the check. */
function openSshKey(cipher: string): string {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(cipher.length);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    len,
    Buffer.from(cipher),
    Buffer.alloc(32),
  ]);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

describe('readCredential', () => {
  it('builds a windows credential from --user, --domain and the first stdin line', async () => {
    const c = await build(
      'windows',
      { user: 'svc', domain: 'CONTOSO', secretStdin: true },
      'pw one\nextra\n',
    );
    expect(c).toEqual({ type: 'windows', userName: 'svc', domain: 'CONTOSO', password: 'pw one' });
    expect(credentialSchema.safeParse(c).success).toBe(true);
  });

  it('refuses a missing --user before reading any secret, naming the flag', async () => {
    await expect(build('basic', { secretStdin: true }, 'pw\n')).rejects.toMatchObject({
      exitCode: 2,
      message: '--user is required for a basic account.',
    });
  });

  it('says how to give a secret when stdin is not a terminal and --secret-stdin is missing', async () => {
    await expect(build('token', {})).rejects.toThrow(/--secret-stdin/);
  });

  it('reads SNMPv3 keys in order, only for protocols that are not none', async () => {
    const both = await build(
      'snmpv3',
      { user: 'mon', authProtocol: 'sha', privacyProtocol: 'aes', secretStdin: true },
      'auth-key-123\npriv-key-456\n',
    );
    expect(both).toMatchObject({ authKey: 'auth-key-123', privacyKey: 'priv-key-456', context: '' });
    expect(credentialSchema.safeParse(both).success).toBe(true);
    const none = await build('snmpv3', { user: 'mon', secretStdin: true }, '');
    expect(none).toMatchObject({ authProtocol: 'none', privacyProtocol: 'none' });
    expect(none).not.toHaveProperty('authKey', expect.anything());
    await expect(build('snmpv3', { user: 'mon', privacyProtocol: 'des' })).rejects.toThrow(
      '--privacy-protocol needs an --auth-protocol',
    );
  });

  it('reads a key passphrase only for an encrypted key, then the su password', async () => {
    const locked = file('locked.pem', lockedKey);
    const c = await build(
      'unix-maintenance',
      { user: 'root', keyFile: locked, elevation: 'su', secretStdin: true },
      'key pass\nsu pass\n',
    );
    expect(c).toMatchObject({ sshPrivateKey: lockedKey, passphrase: 'key pass', suPassword: 'su pass' });
    expect(credentialSchema.safeParse(c).success).toBe(true);
    const plain = await build('ssh-key', { user: 'deploy', keyFile: file('plain.pem', plainKey) });
    expect(plain).toEqual({
      type: 'ssh-key',
      userName: 'deploy',
      privateKey: plainKey,
      passphrase: undefined,
    });
  });

  it('reads a certificate and its key from files, and refuses a certificate account without --cert-file', async () => {
    const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const c = await build('certificate', { certFile: file('c.pem', cert), keyFile: file('k.pem', plainKey) });
    expect(c).toMatchObject({ type: 'certificate', certificatePem: cert, privateKeyPem: plainKey });
    expect(credentialSchema.safeParse(c).success).toBe(true);
    await expect(build('certificate', { keyFile: file('k2.pem', plainKey) })).rejects.toThrow(
      '--cert-file is required for a certificate account.',
    );
  });

  it('base64-encodes a binary file of up to 64 KiB and refuses a larger one', async () => {
    const fits = await build('binary', { dataFile: file('fits.bin', Buffer.alloc(64 * 1024, 7)) });
    expect(credentialSchema.safeParse(fits).success).toBe(true);
    await expect(build('binary', { dataFile: file('big.bin', Buffer.alloc(64 * 1024 + 1)) })).rejects.toThrow(
      'larger than 64 KiB',
    );
    await expect(build('binary', {})).rejects.toThrow('--data-file is required');
  });

  it('takes a whole credential from --credential-file, filling the type and refusing another one', async () => {
    const path = file('token.json', JSON.stringify({ token: 'tkn-secret' }));
    expect(await build('token', { credentialFile: path })).toEqual({ type: 'token', token: 'tkn-secret' });
    await expect(build('basic', { credentialFile: path })).resolves.toMatchObject({ type: 'basic' });
    const typed = file('typed.json', JSON.stringify({ type: 'token', token: 't' }));
    await expect(build('windows', { credentialFile: typed })).rejects.toThrow('the account is windows');
  });

  it('reads --credential-file - from stdin, and never quotes a file that is not JSON', async () => {
    const c = await build(
      undefined,
      { credentialFile: '-' },
      '{"type":"community-string","communityString":"public-x"}',
    );
    expect(c).toEqual({ type: 'community-string', communityString: 'public-x' });
    const err = await build('token', { credentialFile: file('bad.json', 'token: hunter2-secret') }).catch(
      (e: Error) => e,
    );
    expect((err as Error).message).toContain('is not valid JSON');
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('keeps the public fields of the account being updated unless a flag changes them', async () => {
    const base = { userName: 'old', domain: 'CONTOSO' };
    expect(await build('windows', { secretStdin: true }, 'new pw\n', base)).toEqual({
      type: 'windows',
      userName: 'old',
      domain: 'CONTOSO',
      password: 'new pw',
    });
    expect(await build('windows', { user: 'renamed', secretStdin: true }, 'p\n', base)).toMatchObject({
      userName: 'renamed',
      domain: 'CONTOSO',
    });
  });
});

describe('keyIsEncrypted', () => {
  it('tells encrypted PEM and OpenSSH keys from plain ones', () => {
    expect(keyIsEncrypted(lockedKey)).toBe(true);
    expect(keyIsEncrypted(plainKey)).toBe(false);
    expect(keyIsEncrypted(openSshKey('none'))).toBe(false);
    expect(keyIsEncrypted(openSshKey('aes256-ctr'))).toBe(true);
  });
});
