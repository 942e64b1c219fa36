// Run As account checks on this computer (R29–R32, S17): for action and UNIX/Linux accounts, whether the
// user exists, may log on (not locked or expired), has a login shell, and whether it expires soon. Other
// types are not logged on locally and are not checked (R32). Passwords and keys are never tested by logging
// on; the shadow entry (readable when the agent runs as root) says what the system would refuse.
import { execFile } from 'node:child_process';
import type { AccountCheck } from '../contract/account-checks.js';
import type { OpenedCredential } from '../contract/agents.js';

/** Types that name a local user the agent can look at. */
export const checkedTypes: ReadonlySet<string> = new Set(['action', 'unix-monitoring', 'unix-maintenance']);
/** Types that can be a default action account (R7). */
export const actionAccountTypes: ReadonlySet<string> = new Set(['action', 'windows']);

export interface PasswdEntry {
  name: string;
  shell: string;
}

/** The fields of a shadow(5) entry that matter here; days are days since 1970-01-01. */
export interface ShadowEntry {
  password: string;
  lastChangeDay: number | null;
  maxDays: number | null;
  expireDay: number | null;
}

export interface CheckDeps {
  passwd(name: string): Promise<PasswdEntry | undefined>;
  /** Undefined when unreadable (the agent is not root) or missing. */
  shadow(name: string): Promise<ShadowEntry | undefined>;
  now: Date;
  /** Warning window for expiry; critical under 3 days (DESIGN Q5). */
  warningDays: number;
}

const DAY_MS = 86_400_000;
const noLogin = /(^|\/)(nologin|false)$/;

function getent(db: 'passwd' | 'shadow', name: string): Promise<string[] | undefined> {
  if (!/^[A-Za-z0-9._][A-Za-z0-9._@-]{0,255}\$?$/.test(name)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('getent', [db, '--', name], { timeout: 10_000 }, (err, stdout) =>
      resolve(err ? undefined : stdout.split('\n')[0]?.split(':')),
    );
  });
}

const day = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : null);

/** The system's name service: local files, LDAP or SSSD alike. */
export const systemUsers: Pick<CheckDeps, 'passwd' | 'shadow'> = {
  async passwd(name) {
    const f = await getent('passwd', name);
    return f && f.length >= 7 ? { name: f[0]!, shell: f[6] ?? '' } : undefined;
  },
  async shadow(name) {
    const f = await getent('shadow', name);
    if (!f || f.length < 8) return undefined;
    return { password: f[1] ?? '', lastChangeDay: day(f[2]), maxDays: day(f[4]), expireDay: day(f[7]) };
  },
};

/** The user name of an account: `domain\user` and `user@domain` name the local part. */
function localName(c: OpenedCredential): string | undefined {
  const u = c.publicFields.userName;
  return typeof u === 'string' && u ? u : undefined;
}

/** The checks of one account, each with its state; none for types that are not logged on locally (R32). */
export async function checkAccount(c: OpenedCredential, deps: CheckDeps): Promise<AccountCheck[]> {
  if (!checkedTypes.has(c.type)) return [];
  const name = localName(c);
  const check = (
    kind: AccountCheck['check'],
    state: AccountCheck['state'],
    message: string,
  ): AccountCheck => ({
    accountId: c.accountId,
    check: kind,
    state,
    message,
  });
  if (!name) return [check('logon', 'critical', 'the account has no user name')];
  const user = await deps.passwd(name);
  if (!user) return [check('logon', 'critical', `user ${name} does not exist on this computer`)];
  const out: AccountCheck[] = [];
  const shadow = await deps.shadow(name);
  const today = Math.floor(deps.now.getTime() / DAY_MS);
  const expired = shadow?.expireDay !== null && shadow?.expireDay !== undefined && shadow.expireDay <= today;
  // `passwd -l` puts "!" before the hash; a bare "!", "!!" or "*" is a user without a password (keys only).
  if (shadow && /^!+\$/.test(shadow.password)) out.push(check('logon', 'critical', `user ${name} is locked`));
  else if (expired) out.push(check('logon', 'critical', `user ${name} expired`));
  else out.push(check('logon', 'healthy', `user ${name} exists and may log on`));

  out.push(
    noLogin.test(user.shell)
      ? check(
          'logon-type',
          'warning',
          `user ${name} has no login shell (${user.shell}): it cannot log on locally`,
        )
      : check('logon-type', 'healthy', `user ${name} may log on locally`),
  );

  const ends: { what: string; day: number }[] = [];
  if (shadow?.expireDay != null && !expired) ends.push({ what: 'account', day: shadow.expireDay });
  if (shadow?.lastChangeDay != null && shadow.maxDays != null && shadow.maxDays < 99_999)
    ends.push({ what: 'password', day: shadow.lastChangeDay + shadow.maxDays });
  const soonest = ends.sort((a, b) => a.day - b.day)[0];
  const left = soonest ? soonest.day - today : Number.POSITIVE_INFINITY;
  out.push(
    left < 3
      ? check(
          'expiry',
          'critical',
          `the ${soonest!.what} of user ${name} expires in ${Math.max(0, left)} day(s)`,
        )
      : left < deps.warningDays
        ? check('expiry', 'warning', `the ${soonest!.what} of user ${name} expires in ${left} days`)
        : check('expiry', 'healthy', `user ${name} does not expire soon`),
  );
  return out;
}

/** S17: a default action account of a type that cannot be one is ignored, and that is reported. */
export function checkActionAccount(c: OpenedCredential): AccountCheck {
  const ok = actionAccountTypes.has(c.type);
  return {
    accountId: c.accountId,
    check: 'action-account-type',
    state: ok ? 'healthy' : 'critical',
    message: ok
      ? `a ${c.type} account can be the default action account`
      : `a ${c.type} account cannot be the default action account: it is ignored and the previous one kept`,
  };
}
