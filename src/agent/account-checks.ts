// Run As account checks on this computer (R29–R32, S17): for action and UNIX/Linux accounts, whether the
// user exists, may log on (not locked or expired, its password or key accepted), has a login shell, and
// whether it expires soon. Other types are not logged on locally and are not checked (R32). Nothing logs on:
// when the agent runs as root, the shadow entry says what the system would refuse, PAM's own password
// helper (unix_chkpwd) says whether the password matches, and the user's authorized_keys whether the key is
// listed.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccountCheck } from '../contract/account-checks.js';
import type { OpenedCredential } from '../contract/agents.js';
import { authorizedKeyBlobs, sshFingerprint, sshPublicKeyBlob } from '../crypto/ssh-public-key.js';

/** Types that name a local user the agent can look at. */
export const checkedTypes: ReadonlySet<string> = new Set(['action', 'unix-monitoring', 'unix-maintenance']);
/** Types that can be a default action account (R7). */
export const actionAccountTypes: ReadonlySet<string> = new Set(['action', 'windows']);

export interface PasswdEntry {
  name: string;
  home: string;
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
  /** Whether the system accepts the password for the user; undefined when this agent cannot tell. */
  passwordAccepted(name: string, password: string): Promise<boolean | undefined>;
  /** The key blobs (base64) of the user's authorized_keys files; undefined when there is none to read. */
  authorizedKeys(user: PasswdEntry): Promise<string[] | undefined>;
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

const PAM_SUCCESS = 0;
const PAM_AUTH_ERR = 7;
/** PAM passes at most 512 bytes, the terminating zero included. */
const PAM_MAX_PASSWORD_BYTES = 511;
const chkpwd = ['/usr/sbin/unix_chkpwd', '/sbin/unix_chkpwd'].find((p) => existsSync(p));

/**
 * Asks PAM's helper whether the password is the user's, the password on its standard input, never on the
 * command line. It answers for any user only to root; where it is missing, the answer is undefined.
 */
function unixChkpwd(name: string, password: string): Promise<boolean | undefined> {
  if (!chkpwd || process.getuid?.() !== 0) return Promise.resolve(undefined);
  if (password.includes('\0') || Buffer.byteLength(password) > PAM_MAX_PASSWORD_BYTES)
    return Promise.resolve(false);
  return new Promise((resolve) => {
    const child = spawn(chkpwd, [name, 'nullok'], { stdio: ['pipe', 'ignore', 'ignore'], timeout: 10_000 });
    child.on('error', () => resolve(undefined));
    child.on('close', (code) =>
      resolve(code === PAM_SUCCESS ? true : code === PAM_AUTH_ERR ? false : undefined),
    );
    child.stdin.on('error', () => {});
    child.stdin.end(`${password}\0`);
  });
}

/** sshd's default `AuthorizedKeysFile`. */
const authorizedKeysFiles = ['.ssh/authorized_keys', '.ssh/authorized_keys2'];

/** The system's name service (local files, LDAP or SSSD alike), PAM's password helper and sshd's key files. */
export const systemUsers: Pick<CheckDeps, 'passwd' | 'shadow' | 'passwordAccepted' | 'authorizedKeys'> = {
  async passwd(name) {
    const f = await getent('passwd', name);
    return f && f.length >= 7 ? { name: f[0]!, home: f[5] ?? '', shell: f[6] ?? '' } : undefined;
  },
  async shadow(name) {
    const f = await getent('shadow', name);
    if (!f || f.length < 8) return undefined;
    return { password: f[1] ?? '', lastChangeDay: day(f[2]), maxDays: day(f[4]), expireDay: day(f[7]) };
  },
  passwordAccepted: unixChkpwd,
  async authorizedKeys(user) {
    if (!user.home.startsWith('/')) return undefined;
    const texts = await Promise.all(
      authorizedKeysFiles.map((f) => readFile(join(user.home, f), 'utf8').catch(() => undefined)),
    );
    const read = texts.filter((t): t is string => t !== undefined);
    return read.length ? read.flatMap(authorizedKeyBlobs) : undefined;
  },
};

const secretText = (c: OpenedCredential, field: string) => {
  const v = c.secret[field];
  return typeof v === 'string' && v ? v : undefined;
};

/** Whether the account's own credential lets its user in, and why, naming no secret. */
interface Verdict {
  accepted: boolean;
  says: string;
}

/**
 * The password as PAM checks it, or the key as the user's authorized_keys lists it; undefined when this agent
 * cannot tell (not root, no authorized_keys to read).
 */
async function credentialVerdict(
  c: OpenedCredential,
  user: PasswdEntry,
  deps: CheckDeps,
): Promise<Verdict | undefined> {
  const key = secretText(c, 'sshPrivateKey');
  if (key) {
    let blob: Buffer;
    try {
      blob = sshPublicKeyBlob(key, secretText(c, 'passphrase'));
    } catch (err) {
      return { accepted: false, says: `its SSH key cannot be used: ${(err as Error).message}` };
    }
    const listed = await deps.authorizedKeys(user);
    if (!listed) return undefined;
    return listed.includes(blob.toString('base64'))
      ? { accepted: true, says: 'its SSH key is authorized' }
      : {
          accepted: false,
          says: `its SSH key (${sshFingerprint(blob)}) is not in the authorized_keys of user ${user.name}`,
        };
  }
  const password = secretText(c, 'password');
  const accepted = password === undefined ? undefined : await deps.passwordAccepted(user.name, password);
  if (accepted === undefined) return undefined;
  return accepted
    ? { accepted, says: 'its password is accepted' }
    : { accepted, says: `the password of user ${user.name} is not accepted` };
}

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
  else {
    const v = await credentialVerdict(c, user, deps);
    out.push(
      v && !v.accepted
        ? check('logon', 'critical', v.says)
        : check('logon', 'healthy', `user ${name} exists and may log on${v ? `; ${v.says}` : ''}`),
    );
  }

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
