// Proves the SSH public key derived from a private key is the one OpenSSH's own ssh-keygen derives, for
// OpenSSH and PEM files of every key type an authorized_keys file holds, and that authorized_keys lines parse.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authorizedKeyBlobs, sshFingerprint, sshPublicKeyBlob } from './ssh-public-key.js';

const dir = mkdtempSync(join(tmpdir(), 'steward-ssh-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let made = 0;

/** What ssh-keygen says the public key of the file is: `type base64`. */
const keygenPublic = (file: string) =>
  execFileSync('ssh-keygen', ['-y', '-P', '', '-f', file]).toString().trim();

function keygen(type: string, bits?: number, passphrase = ''): { file: string; text: string } {
  const file = join(dir, `${type}-${bits ?? 0}-${passphrase.length}-${++made}`);
  const size = bits ? ['-b', String(bits)] : [];
  execFileSync('ssh-keygen', ['-q', '-t', type, ...size, '-N', passphrase, '-C', 'test', '-f', file]);
  return { file, text: readFileSync(file, 'utf8') };
}

describe('sshPublicKeyBlob', () => {
  it('reads the public key of OpenSSH files, encrypted ones too, as ssh-keygen does', () => {
    for (const [type, bits] of [
      ['ed25519', undefined],
      ['rsa', 2048],
      ['ecdsa', 256],
      ['ecdsa', 384],
    ] as const) {
      const { file, text } = keygen(type, bits);
      const expected = readFileSync(`${file}.pub`, 'utf8').split(' ')[1];
      expect(sshPublicKeyBlob(text).toString('base64')).toBe(expected);
    }
    const locked = keygen('ed25519', undefined, 'a passphrase');
    expect(sshPublicKeyBlob(locked.text).toString('base64')).toBe(
      readFileSync(`${locked.file}.pub`, 'utf8').split(' ')[1],
    );
  });

  it('derives the public key of PEM files (PKCS#8, PKCS#1, SEC1, encrypted) as ssh-keygen does', () => {
    const cases = [
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }),
      generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }),
      generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    ].map(String);
    cases.forEach((pem, i) => {
      const file = join(dir, `pem-${i}`);
      writeFileSync(file, pem, { mode: 0o600 });
      expect(`${keygenPublic(file).split(' ')[0]} ${sshPublicKeyBlob(pem).toString('base64')}`).toBe(
        keygenPublic(file),
      );
    });
    // This ssh-keygen reads no PKCS#8 Ed25519 file: the key is the last 32 bytes of the public SPKI.
    const ed = generateKeyPairSync('ed25519');
    const raw = ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
    const sshString = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    expect(sshPublicKeyBlob(String(ed.privateKey.export({ type: 'pkcs8', format: 'pem' })))).toEqual(
      Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]),
    );

    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const encrypted = String(
      privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }),
    );
    const plain = String(privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(sshPublicKeyBlob(encrypted, 'pw')).toEqual(sshPublicKeyBlob(plain));
    expect(() => sshPublicKeyBlob(encrypted)).toThrow(
      'the private key is encrypted and no passphrase came with it',
    );
    expect(() => sshPublicKeyBlob(encrypted, 'not it')).toThrow('cannot be read with its passphrase');
  });

  it('refuses text that is no private key, without quoting it', () => {
    const text = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n';
    expect(() => sshPublicKeyBlob(text)).toThrow('the private key cannot be read');
    const notOpenSsh =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n';
    expect(() => sshPublicKeyBlob(notOpenSsh)).toThrow('not an OpenSSH private key');
  });

  it('prints the fingerprint ssh-keygen -l prints', () => {
    const { file, text } = keygen('ed25519', undefined, '');
    const listed = execFileSync('ssh-keygen', ['-l', '-f', `${file}.pub`])
      .toString()
      .split(' ')[1];
    expect(sshFingerprint(sshPublicKeyBlob(text))).toBe(listed);
  });
});

describe('authorizedKeyBlobs', () => {
  it('takes the key of each line, after options, and skips comments and blank lines', () => {
    const text = [
      '# a comment ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIcommented',
      '',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIfirst user@host',
      'from="10.0.0.0/8",no-pty ssh-rsa AAAAB3NzaC1yc2EAAAADAQABsecond',
      '  ecdsa-sha2-nistp256 AAAAE2VjZHNhthird',
      'not a key line',
    ].join('\n');
    expect(authorizedKeyBlobs(text)).toEqual([
      'AAAAC3NzaC1lZDI1NTE5AAAAIfirst',
      'AAAAB3NzaC1yc2EAAAADAQABsecond',
      'AAAAE2VjZHNhthird',
    ]);
  });
});
