// Proves the credential injection: the variables of every account type, private files with their modes and owner, cleanup, and the secret texts to redact.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { injectCredential, type RunnerCredential, secretTexts } from './credential-injection.js';

let tempRoot: string;
beforeAll(async () => {
  tempRoot = await mkdtemp(join(tmpdir(), 'steward-inject-test-'));
});
afterAll(async () => {
  await rm(tempRoot, { recursive: true, force: true });
});
afterEach(async () => {
  expect(await readdir(tempRoot)).toEqual([]);
});

const key =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQC7fakekeyline\n-----END OPENSSH PRIVATE KEY-----';

describe('environment variables by account type', () => {
  const cases: [RunnerCredential, Record<string, string>][] = [
    [
      { type: 'action', publicFields: { userName: 'svc' }, secret: { password: 'p1-secret' } },
      { STEWARD_RUNAS_TYPE: 'action', STEWARD_RUNAS_USERNAME: 'svc', STEWARD_RUNAS_PASSWORD: 'p1-secret' },
    ],
    [
      { type: 'digest', publicFields: { userName: 'd' }, secret: { password: 'p2-secret' } },
      { STEWARD_RUNAS_TYPE: 'digest', STEWARD_RUNAS_USERNAME: 'd', STEWARD_RUNAS_PASSWORD: 'p2-secret' },
    ],
    [
      { type: 'simple', publicFields: { userName: 's' }, secret: { password: 'p3-secret' } },
      { STEWARD_RUNAS_TYPE: 'simple', STEWARD_RUNAS_USERNAME: 's', STEWARD_RUNAS_PASSWORD: 'p3-secret' },
    ],
    [
      {
        type: 'snmpv3',
        publicFields: { userName: 'u', context: '', authProtocol: 'none', privacyProtocol: 'none' },
        secret: {},
      },
      {
        STEWARD_RUNAS_TYPE: 'snmpv3',
        STEWARD_RUNAS_USERNAME: 'u',
        STEWARD_RUNAS_SNMP_CONTEXT: '',
        STEWARD_RUNAS_SNMP_AUTH_PROTOCOL: 'none',
        STEWARD_RUNAS_SNMP_PRIVACY_PROTOCOL: 'none',
      },
    ],
    [
      {
        type: 'unix-monitoring',
        publicFields: { userName: 'mon', sudo: true },
        secret: { password: 'p4-secret' },
      },
      {
        STEWARD_RUNAS_TYPE: 'unix-monitoring',
        STEWARD_RUNAS_USERNAME: 'mon',
        STEWARD_RUNAS_PASSWORD: 'p4-secret',
        STEWARD_RUNAS_SUDO: 'true',
      },
    ],
    [
      {
        type: 'unix-maintenance',
        publicFields: { userName: 'maint', elevation: 'su' },
        secret: { password: 'p5-secret', suPassword: 'su-secret' },
      },
      {
        STEWARD_RUNAS_TYPE: 'unix-maintenance',
        STEWARD_RUNAS_USERNAME: 'maint',
        STEWARD_RUNAS_PASSWORD: 'p5-secret',
        STEWARD_RUNAS_ELEVATION: 'su',
        STEWARD_RUNAS_SU_PASSWORD: 'su-secret',
      },
    ],
  ];

  it.each(cases)('maps a $type credential to its variables and writes no file', async (cred, expected) => {
    const injected = await injectCredential(cred, { tempRoot });
    expect(injected.env).toEqual(expected);
    expect(injected.dir).toBeUndefined();
    await injected.cleanup();
  });

  it('names the missing field, not a value, when a credential is incomplete', async () => {
    const error = await injectCredential(
      { type: 'windows', publicFields: { userName: 'svc' }, secret: { pasword: 'typo-secret' } },
      { tempRoot },
    ).catch((e: Error) => e);
    expect((error as Error).message).toBe('the windows credential has no password');
  });
});

describe('credential files', () => {
  it('writes a unix-maintenance key to KEY_FILE with its final newline, 0600 in a 0700 directory', async () => {
    const injected = await injectCredential(
      {
        type: 'unix-maintenance',
        publicFields: { userName: 'maint', elevation: 'sudo' },
        secret: { sshPrivateKey: key, passphrase: 'phrase-secret' },
      },
      { tempRoot },
    );
    const file = injected.env.STEWARD_RUNAS_KEY_FILE!;
    expect(file).toBe(join(injected.dir!, 'id_key'));
    expect(await readFile(file, 'utf8')).toBe(`${key}\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(injected.dir!)).mode & 0o777).toBe(0o700);
    expect(injected.env.STEWARD_RUNAS_PASSPHRASE).toBe('phrase-secret');
    expect(injected.env.STEWARD_RUNAS_PASSWORD).toBeUndefined();
    await injected.cleanup();
    expect(existsSync(injected.dir!)).toBe(false);
    await injected.cleanup();
  });

  it('gives the directory and files to the OS user the child will run as', async () => {
    const injected = await injectCredential(
      { type: 'binary', publicFields: {}, secret: { dataBase64: Buffer.from('hello').toString('base64') } },
      { tempRoot, owner: { uid: 65534, gid: 65534 } },
    );
    const dir = await stat(injected.dir!);
    const file = await stat(injected.env.STEWARD_RUNAS_DATA_FILE!);
    expect([dir.uid, dir.gid, file.uid, file.gid]).toEqual([65534, 65534, 65534, 65534]);
    await injected.cleanup();
  });
});

describe('secret texts to redact', () => {
  it('lists secret fields but not public ones', () => {
    const texts = secretTexts({
      type: 'windows',
      publicFields: { userName: 'svc-sql', domain: 'CONTOSO' },
      secret: { password: 'pw-secret' },
    });
    expect(texts).toEqual(['pw-secret']);
  });

  it('lists a multi-line secret whole and each substantial line of it', () => {
    const texts = secretTexts({
      type: 'ssh-key',
      publicFields: { userName: 'u' },
      secret: { privateKey: key },
    });
    expect(texts).toEqual([key, 'AAAAB3NzaC1yc2EAAAADAQABAAABAQC7fakekeyline']);
  });

  it('lists binary data as base64 and, when it is text, as text', () => {
    const base64 = Buffer.from('binary-text-secret').toString('base64');
    expect(secretTexts({ type: 'binary', publicFields: {}, secret: { dataBase64: base64 } })).toEqual([
      base64,
      'binary-text-secret',
    ]);
    const raw = Buffer.from([0xff, 0xfe, 0x00]).toString('base64');
    expect(secretTexts({ type: 'binary', publicFields: {}, secret: { dataBase64: raw } })).toEqual([raw]);
  });
});
