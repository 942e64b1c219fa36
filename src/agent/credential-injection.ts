// Turns a Run As credential into a child's environment variables and private files — never into its command line.
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AccountType, publicFieldNames } from '../contract/accounts.js';

/** A credential as the agent holds it after unsealing: the public fields and the secret fields apart. */
export type RunnerCredential = {
  type: AccountType;
  publicFields: Record<string, unknown>;
  secret: Record<string, unknown>;
};

export type FileOwner = { uid: number; gid: number };

export type InjectedCredential = {
  /** STEWARD_RUNAS_* variables for the child. */
  env: Record<string, string>;
  /** Every secret text the child could print, to redact from its output. */
  secrets: string[];
  /** The private directory holding the credential's files, if it needed any. */
  dir: string | undefined;
  /** Removes the directory and its files; safe to call more than once. */
  cleanup(): Promise<void>;
};

export const ENV_PREFIX = 'STEWARD_RUNAS_';

type FileSpec = { variable: string; name: string; data: string | Buffer };

/**
 * Writes the credential's files (0600) into a new private directory (0700) under `tempRoot` — owned by
 * `owner` when the child runs as another OS user — and returns the variables that name them.
 * Error messages name fields, never their values.
 */
export async function injectCredential(
  credential: RunnerCredential,
  options: { tempRoot: string; owner?: FileOwner | undefined },
): Promise<InjectedCredential> {
  const { env, files } = plan(credential);
  const secrets = secretTexts(credential);
  if (files.length === 0) return { env, secrets, dir: undefined, cleanup: async () => {} };

  const dir = await mkdtemp(join(options.tempRoot, 'steward-cred-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await chmod(dir, 0o700);
    if (options.owner) await chown(dir, options.owner.uid, options.owner.gid);
    for (const file of files) {
      const path = join(dir, file.name);
      await writeFile(path, file.data, { mode: 0o600, flag: 'wx' });
      // The umask cannot widen the mode, but set it explicitly so the invariant does not depend on it.
      await chmod(path, 0o600);
      if (options.owner) await chown(path, options.owner.uid, options.owner.gid);
      env[file.variable] = path;
    }
  } catch (err) {
    await cleanup();
    throw new Error(
      `could not write the credential files: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  return { env, secrets, dir, cleanup };
}

function plan(credential: RunnerCredential): { env: Record<string, string>; files: FileSpec[] } {
  const fields = { ...credential.publicFields, ...credential.secret };
  const type = credential.type;
  const need = (name: string): string => {
    const value = fields[name];
    if (typeof value !== 'string' || value.length === 0)
      throw new Error(`the ${type} credential has no ${name}`);
    return value;
  };
  const opt = (name: string): string | undefined => {
    const value = fields[name];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const env: Record<string, string> = {};
  const files: FileSpec[] = [];
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) env[ENV_PREFIX + name] = value;
  };
  const file = (variable: string, name: string, data: string | Buffer) =>
    files.push({ variable: ENV_PREFIX + variable, name, data });

  set('TYPE', type);
  switch (type) {
    case 'windows':
    case 'action':
      set('USERNAME', need('userName'));
      set('DOMAIN', opt('domain'));
      set('PASSWORD', need('password'));
      break;
    case 'basic':
    case 'digest':
    case 'simple':
      set('USERNAME', need('userName'));
      set('PASSWORD', need('password'));
      break;
    case 'community-string':
      set('COMMUNITY', need('communityString'));
      break;
    case 'binary':
      file('DATA_FILE', 'data.bin', Buffer.from(need('dataBase64'), 'base64'));
      break;
    case 'snmpv3':
      set('USERNAME', need('userName'));
      set('SNMP_CONTEXT', typeof fields.context === 'string' ? fields.context : '');
      set('SNMP_AUTH_PROTOCOL', opt('authProtocol') ?? 'none');
      set('SNMP_AUTH_KEY', opt('authKey'));
      set('SNMP_PRIVACY_PROTOCOL', opt('privacyProtocol') ?? 'none');
      set('SNMP_PRIVACY_KEY', opt('privacyKey'));
      break;
    case 'unix-monitoring':
      set('USERNAME', need('userName'));
      set('PASSWORD', need('password'));
      set('SUDO', fields.sudo === true ? 'true' : 'false');
      break;
    case 'unix-maintenance': {
      set('USERNAME', need('userName'));
      set('PASSWORD', opt('password'));
      const key = opt('sshPrivateKey');
      if (key !== undefined) file('KEY_FILE', 'id_key', withFinalNewline(key));
      set('PASSPHRASE', opt('passphrase'));
      set('ELEVATION', opt('elevation') ?? 'privileged');
      set('SU_PASSWORD', opt('suPassword'));
      break;
    }
    case 'ssh-key':
      set('USERNAME', need('userName'));
      file('KEY_FILE', 'id_key', withFinalNewline(need('privateKey')));
      set('PASSPHRASE', opt('passphrase'));
      break;
    case 'certificate':
      file('CERT_FILE', 'certificate.pem', withFinalNewline(need('certificatePem')));
      file('KEY_FILE', 'private-key.pem', withFinalNewline(need('privateKeyPem')));
      set('PASSPHRASE', opt('passphrase'));
      break;
    case 'token':
      set('TOKEN', need('token'));
      break;
    default: {
      const unknown: never = type;
      throw new Error(`unknown account type ${String(unknown)}`);
    }
  }
  return { env, files };
}

/** OpenSSH refuses a key file without its final newline; PEM readers do not mind one. */
function withFinalNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * The texts to redact: every secret field's value, each substantial line of a multi-line value (a child
 * printing part of a key), and a binary credential's bytes when they are text.
 */
export function secretTexts(credential: RunnerCredential): string[] {
  const publicNames = new Set(publicFieldNames[credential.type] ?? []);
  const out: string[] = [];
  const fields = { ...credential.publicFields, ...credential.secret };
  for (const [name, value] of Object.entries(fields)) {
    if (publicNames.has(name) || typeof value !== 'string' || value.length === 0) continue;
    out.push(value);
    if (value.includes('\n')) {
      for (const line of value.split(/\r?\n/)) {
        const trimmed = line.trim();
        if (trimmed.length >= 8 && !trimmed.startsWith('-----')) out.push(trimmed);
      }
    }
    if (credential.type === 'binary' && name === 'dataBase64') {
      const bytes = Buffer.from(value, 'base64');
      const text = bytes.toString('utf8');
      if (text.length > 0 && Buffer.from(text, 'utf8').equals(bytes)) out.push(text);
    }
  }
  return out;
}
