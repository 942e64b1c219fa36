import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { OpenedCredential } from '../contract/agents.js';
import {
  type CheckDeps,
  checkAccount,
  checkActionAccount,
  type ShadowEntry,
  systemUsers,
} from './account-checks.js';

const now = new Date('2026-06-15T12:00:00Z');
const today = Math.floor(now.getTime() / 86_400_000);

const cred = (type: string, userName?: string): OpenedCredential => ({
  accountId: 'acc_1',
  version: 1,
  name: 'Acc',
  type,
  publicFields: userName ? { userName } : {},
  secret: { password: 'not-looked-at' },
});

function deps(users: Record<string, { shell?: string; shadow?: Partial<ShadowEntry> }>): CheckDeps {
  return {
    passwd: async (name) => (users[name] ? { name, shell: users[name]!.shell ?? '/bin/bash' } : undefined),
    shadow: async (name) => {
      const s = users[name]?.shadow;
      return s ? { password: '$6$x', lastChangeDay: null, maxDays: null, expireDay: null, ...s } : undefined;
    },
    now,
    warningDays: 14,
  };
}

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
    expect((await systemUsers.passwd(me))?.name).toBe(me);
    expect(await systemUsers.passwd('no-such-user-steward-x')).toBeUndefined();
    expect(await systemUsers.passwd('--help')).toBeUndefined();
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
