import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedCredential } from '../contract/agents.js';
import { sshPublicKeyBlob } from '../crypto/ssh-public-key.js';
import {
  type CheckDeps,
  checkAccount,
  checkActionAccount,
  type ShadowEntry,
  systemUsers,
} from './account-checks.js';

const now = new Date('2026-06-15T12:00:00Z');
const today = Math.floor(now.getTime() / 86_400_000);

const cred = (
  type: string,
  userName?: string,
  secret: Record<string, string> = { password: 'not-looked-at' },
): OpenedCredential => ({
  accountId: 'acc_1',
  version: 1,
  name: 'Acc',
  type,
  publicFields: userName ? { userName } : {},
  secret,
});

interface FakeUser {
  shell?: string;
  shadow?: Partial<ShadowEntry>;
  /** The one password the system accepts; unset: the agent cannot tell. */
  password?: string;
  authorizedKeys?: string[];
}

function deps(users: Record<string, FakeUser>): CheckDeps {
  return {
    passwd: async (name) =>
      users[name] ? { name, home: `/home/${name}`, shell: users[name]!.shell ?? '/bin/bash' } : undefined,
    shadow: async (name) => {
      const s = users[name]?.shadow;
      return s ? { password: '$6$x', lastChangeDay: null, maxDays: null, expireDay: null, ...s } : undefined;
    },
    passwordAccepted: async (name, password) => {
      const known = users[name]?.password;
      return known === undefined ? undefined : known === password;
    },
    authorizedKeys: async (user) => users[user.name]?.authorizedKeys,
    now,
    warningDays: 14,
  };
}

const logon = async (c: OpenedCredential, d: CheckDeps) =>
  (await checkAccount(c, d)).find((x) => x.check === 'logon')!;

const states = (checks: Awaited<ReturnType<typeof checkAccount>>) =>
  Object.fromEntries(checks.map((c) => [c.check, c.state]));

describe('checkAccount', () => {
  it('checks nothing for types that are not logged on locally (R32)', async () => {
    for (const type of [
      'basic',
      'digest',
      'simple',
      'community-string',
      'binary',
      'snmpv3',
      'ssh-key',
      'windows',
    ])
      expect(await checkAccount(cred(type, 'svc'), deps({ svc: {} }))).toEqual([]);
  });

  it('a missing user cannot log on (R30)', async () => {
    const out = await checkAccount(cred('action', 'ghost'), deps({}));
    expect(out).toEqual([
      {
        accountId: 'acc_1',
        check: 'logon',
        state: 'critical',
        message: 'user ghost does not exist on this computer',
      },
    ]);
  });

  it('a healthy user passes all three checks, without a shadow entry too', async () => {
    expect(states(await checkAccount(cred('unix-monitoring', 'svc'), deps({ svc: {} })))).toEqual({
      logon: 'healthy',
      'logon-type': 'healthy',
      expiry: 'healthy',
    });
    expect(states(await checkAccount(cred('action', 'svc'), deps({ svc: { shadow: {} } })))).toEqual({
      logon: 'healthy',
      'logon-type': 'healthy',
      expiry: 'healthy',
    });
  });

  it('a locked or expired user cannot log on; a user without a password (keys only) can', async () => {
    expect(
      states(await checkAccount(cred('action', 'l'), deps({ l: { shadow: { password: '!$6$abc' } } }))).logon,
    ).toBe('critical');
    expect(
      states(await checkAccount(cred('action', 'e'), deps({ e: { shadow: { expireDay: today - 1 } } })))
        .logon,
    ).toBe('critical');
    for (const password of ['!', '!!', '*'])
      expect(
        states(await checkAccount(cred('action', 'k'), deps({ k: { shadow: { password } } }))).logon,
      ).toBe('healthy');
  });

  it('a password the system refuses cannot log on (R30, S24); the message names the user, never the password', async () => {
    const d = deps({ svc: { password: 'the-right-one' } });
    const wrong = await logon(cred('action', 'svc', { password: 'a-wrong-one' }), d);
    expect(wrong).toMatchObject({ state: 'critical', message: 'the password of user svc is not accepted' });
    const right = await logon(cred('unix-monitoring', 'svc', { password: 'the-right-one' }), d);
    expect(right).toMatchObject({
      state: 'healthy',
      message: 'user svc exists and may log on; its password is accepted',
    });
    // An agent that cannot ask (not root) claims nothing about the password.
    expect(await logon(cred('action', 'svc', { password: 'x' }), deps({ svc: {} }))).toMatchObject({
      state: 'healthy',
      message: 'user svc exists and may log on',
    });
  });

  it('an SSH key is accepted when the user’s authorized_keys lists it, and refused with its fingerprint when not', async () => {
    const pem = String(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const blob = sshPublicKeyBlob(pem).toString('base64');
    const maintenance = cred('unix-maintenance', 'svc', { sshPrivateKey: pem });
    expect(await logon(maintenance, deps({ svc: { authorizedKeys: ['AAAAother', blob] } }))).toMatchObject({
      state: 'healthy',
      message: 'user svc exists and may log on; its SSH key is authorized',
    });
    const refused = await logon(maintenance, deps({ svc: { authorizedKeys: ['AAAAother'] } }));
    expect(refused.state).toBe('critical');
    expect(refused.message).toMatch(
      /^its SSH key \(SHA256:[A-Za-z0-9+/]{43}\) is not in the authorized_keys of user svc$/,
    );
    // No authorized_keys to read: nothing to say about the key.
    expect((await logon(maintenance, deps({ svc: {} }))).state).toBe('healthy');
    const broken = await logon(
      cred('unix-maintenance', 'svc', { sshPrivateKey: 'garbage' }),
      deps({ svc: {} }),
    );
    expect(broken).toMatchObject({
      state: 'critical',
      message: 'its SSH key cannot be used: the private key cannot be read',
    });
  });

  it('a user without a login shell lacks the logon type (R29)', async () => {
    const out = await checkAccount(cred('action', 'svc'), deps({ svc: { shell: '/usr/sbin/nologin' } }));
    expect(states(out)['logon-type']).toBe('warning');
    expect(out.find((c) => c.check === 'logon-type')!.message).toContain('/usr/sbin/nologin');
  });

  it('expiry: critical under 3 days, warning inside the window, for the account or its password (R31)', async () => {
    const exp = async (shadow: Partial<ShadowEntry>) =>
      states(await checkAccount(cred('action', 'u'), deps({ u: { shadow } }))).expiry;
    expect(await exp({ expireDay: today + 2 })).toBe('critical');
    expect(await exp({ expireDay: today + 10 })).toBe('warning');
    expect(await exp({ expireDay: today + 30 })).toBe('healthy');
    expect(await exp({ lastChangeDay: today - 89, maxDays: 90 })).toBe('critical');
    expect(await exp({ lastChangeDay: today - 80, maxDays: 90 })).toBe('warning');
    expect(await exp({ lastChangeDay: today - 80, maxDays: 99_999 })).toBe('healthy');
  });

  it('looks real users up through the name service', async () => {
    const me = userInfo().username;
    expect(await systemUsers.passwd(me)).toMatchObject({ name: me, home: userInfo().homedir });
    expect(await systemUsers.passwd('no-such-user-steward-x')).toBeUndefined();
    expect(await systemUsers.passwd('--help')).toBeUndefined();
  });
});

describe('the system’s own answers, for a real user (the tests run as root)', () => {
  const USER = 'steward-test-logon';
  const PASSWORD = 'Logon-Check-pw 7#';
  const home = `/tmp/${USER}`;
  const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  beforeAll(() => {
    expect(process.getuid?.()).toBe(0);
    // A run that was killed may have left the user behind.
    spawnSync('userdel', ['--remove', USER], { stdio: 'ignore' });
    execFileSync('useradd', ['--home-dir', home, '--create-home', '--shell', '/bin/sh', USER]);
    execFileSync('chpasswd', { input: `${USER}:${PASSWORD}\n` });
    mkdirSync(`${home}/.ssh`, { recursive: true });
    writeFileSync(
      `${home}/.ssh/authorized_keys`,
      `ssh-ed25519 ${sshPublicKeyBlob(key).toString('base64')} k\n`,
    );
  });
  afterAll(() => execFileSync('userdel', ['--remove', USER]));

  it('PAM accepts the user’s password and refuses any other', async () => {
    expect(await systemUsers.passwordAccepted(USER, PASSWORD)).toBe(true);
    expect(await systemUsers.passwordAccepted(USER, `${PASSWORD}x`)).toBe(false);
    expect(await systemUsers.passwordAccepted(USER, '')).toBe(false);
  });

  it('checks a whole account against the system: right password, wrong password, listed key', async () => {
    const d: CheckDeps = { ...systemUsers, now: new Date(), warningDays: 14 };
    expect(states(await checkAccount(cred('unix-monitoring', USER, { password: PASSWORD }), d))).toEqual({
      logon: 'healthy',
      'logon-type': 'healthy',
      expiry: 'healthy',
    });
    expect((await logon(cred('action', USER, { password: 'not it' }), d)).state).toBe('critical');
    expect(await logon(cred('unix-maintenance', USER, { sshPrivateKey: key }), d)).toMatchObject({
      state: 'healthy',
      message: `user ${USER} exists and may log on; its SSH key is authorized`,
    });
  });
});

describe('checkActionAccount (S17)', () => {
  it('accepts action and Windows accounts and flags any other type', () => {
    expect(checkActionAccount(cred('action')).state).toBe('healthy');
    expect(checkActionAccount(cred('windows')).state).toBe('healthy');
    const bad = checkActionAccount(cred('basic'));
    expect(bad).toMatchObject({ check: 'action-account-type', state: 'critical' });
    expect(bad.message).toContain('basic');
  });
});
