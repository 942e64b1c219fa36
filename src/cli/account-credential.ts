// Builds a Run As credential for `steward account create|update` from flags, files and stdin — never a secret from argv.
import { readFile } from 'node:fs/promises';
import type { AccountType, Credential } from '../contract/accounts.js';
import { keyIsEncrypted } from '../crypto/ssh-public-key.js';
import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';

/** The non-secret flags of `account create|update` that shape a credential. */
export interface CredentialFlags {
  user?: string;
  domain?: string;
  context?: string;
  authProtocol?: string;
  privacyProtocol?: string;
  sudo?: boolean;
  elevation?: string;
  dataFile?: string;
  keyFile?: string;
  certFile?: string;
  credentialFile?: string;
  /** --password-stdin or --secret-stdin: secrets are stdin lines, one per secret, in the documented order. */
  secretStdin?: boolean;
}

const MAX_BINARY = 64 * 1024;
const MAX_TEXT_FILE = 64 * 1024;

const bad = (message: string) => new CliError(message, 2, 'VALIDATION_FAILED');

export const secretOrderHelp = `
Secrets are never read from the command line (it is visible to other users in ps).
They are asked for without echo on a terminal, or read one per line from stdin with
--secret-stdin (alias --password-stdin), in this order:
  windows, action, basic, digest, simple, unix-monitoring: the password
  community-string: the community string;  token: the token
  snmpv3: the auth key (unless --auth-protocol none), then the privacy key
    (unless --privacy-protocol none)
  unix-maintenance: the password, or with --key-file the key passphrase (only if the key is
    encrypted); then the su password with --elevation su
  ssh-key, certificate: the key passphrase, only if the key file is encrypted
  binary: none; the value is the content of --data-file (at most 64 KiB, sent base64-encoded)
Or give the whole credential as JSON with --credential-file FILE (- for stdin), e.g.
  {"type":"windows","userName":"svc-sql","domain":"CONTOSO","password":"…"}`;

/** Reads a whole stream (stdin for `-`). */
async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** A file's bytes (or stdin's for `-`), refusing more than `max`; errors name the flag and never the content. */
async function readInput(ctx: CliContext, file: string, flag: string, max: number): Promise<Buffer> {
  let data: Buffer;
  try {
    data = file === '-' ? await readStream(ctx.stdin) : await readFile(file);
  } catch (err) {
    throw bad(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  if (data.length > max) throw bad(`${flag}: ${file} is larger than ${max / 1024} KiB.`);
  return data;
}

/** Reads one secret: the next stdin line with --secret-stdin, else a hidden prompt on a terminal. */
async function secret(ctx: CliContext, flags: CredentialFlags, question: string): Promise<string> {
  if (flags.secretStdin) {
    const line = await ctx.prompter.readLine();
    if (!line) throw bad(`${question}: stdin ended before it was given (--secret-stdin reads one per line).`);
    return line;
  }
  if (!ctx.prompter.isTTY) {
    throw bad(
      `${question} is needed: give it with --secret-stdin (one per line) or --credential-file, or run in a terminal to be asked.`,
    );
  }
  const answer = await ctx.prompter.askHidden(question);
  if (!answer) throw bad(`${question} is needed.`);
  return answer;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Parses --credential-file: a JSON object; its type defaults to the account's and must agree with it. */
async function credentialFromFile(
  ctx: CliContext,
  file: string,
  type: AccountType | undefined,
): Promise<Credential> {
  const text = (await readInput(ctx, file, '--credential-file', MAX_TEXT_FILE * 2)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input, which holds the secret: say only where to look.
    throw bad(`--credential-file: ${file} is not valid JSON.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw bad(`--credential-file: ${file} must hold one JSON object.`);
  const c = parsed as Record<string, unknown>;
  if (c.type === undefined) {
    if (!type) throw bad('--credential-file: give the "type" in the file, or --type.');
    c.type = type;
  } else if (type && c.type !== type) {
    throw bad(`--credential-file: the file says type "${String(c.type)}" but the account is ${type}.`);
  }
  // The server checks every field against the credential schema and names the one that is wrong.
  return c as Credential;
}

/**
 * The credential to send. `base` is the account being updated: its public fields fill what the flags
 * leave out, so replacing a password needs only the new password.
 */
export async function readCredential(
  ctx: CliContext,
  type: AccountType | undefined,
  flags: CredentialFlags,
  base: Record<string, unknown> = {},
): Promise<Credential> {
  if (flags.credentialFile) {
    if (flags.credentialFile === '-' && flags.secretStdin)
      throw bad('--credential-file - and --secret-stdin both read stdin: give one of them.');
    return credentialFromFile(ctx, flags.credentialFile, type);
  }
  if (!type) throw bad('Give --type, or the whole credential with --credential-file.');
  const userName = () => {
    const u = flags.user ?? str(base.userName);
    if (!u) throw bad(`--user is required for a ${type} account.`);
    return u;
  };
  const domain = () => flags.domain ?? str(base.domain);
  const readText = async (file: string | undefined, flag: string) => {
    if (!file) throw bad(`${flag} is required for a ${type} account.`);
    return (await readInput(ctx, file, flag, MAX_TEXT_FILE)).toString('utf8');
  };

  switch (type) {
    case 'windows':
    case 'action':
      return { type, userName: userName(), domain: domain(), password: await secret(ctx, flags, 'Password') };
    case 'basic':
    case 'digest':
    case 'simple':
      return { type, userName: userName(), password: await secret(ctx, flags, 'Password') };
    case 'community-string':
      return { type, communityString: await secret(ctx, flags, 'Community string') };
    case 'token':
      return { type, token: await secret(ctx, flags, 'Token') };
    case 'binary': {
      if (!flags.dataFile) throw bad('--data-file is required for a binary account.');
      const data = await readInput(ctx, flags.dataFile, '--data-file', MAX_BINARY);
      if (data.length === 0) throw bad(`--data-file: ${flags.dataFile} is empty.`);
      return { type, dataBase64: data.toString('base64') };
    }
    case 'snmpv3': {
      const authProtocol = (flags.authProtocol ?? str(base.authProtocol) ?? 'none') as 'none' | 'md5' | 'sha';
      const privacyProtocol = (flags.privacyProtocol ?? str(base.privacyProtocol) ?? 'none') as
        | 'none'
        | 'des'
        | 'aes';
      if (privacyProtocol !== 'none' && authProtocol === 'none')
        throw bad('--privacy-protocol needs an --auth-protocol other than none.');
      const user = userName();
      const authKey = authProtocol === 'none' ? undefined : await secret(ctx, flags, 'Auth key');
      const privacyKey = privacyProtocol === 'none' ? undefined : await secret(ctx, flags, 'Privacy key');
      return {
        type,
        userName: user,
        context: flags.context ?? (typeof base.context === 'string' ? base.context : ''),
        authProtocol,
        authKey,
        privacyProtocol,
        privacyKey,
      };
    }
    case 'unix-monitoring':
      return {
        type,
        userName: userName(),
        password: await secret(ctx, flags, 'Password'),
        sudo: flags.sudo ?? base.sudo === true,
      };
    case 'unix-maintenance': {
      const elevation = (flags.elevation ?? str(base.elevation) ?? 'privileged') as
        | 'privileged'
        | 'sudo'
        | 'su';
      const user = userName();
      let keyPart: { password?: string; sshPrivateKey?: string; passphrase?: string };
      if (flags.keyFile) {
        const key = await readText(flags.keyFile, '--key-file');
        keyPart = {
          sshPrivateKey: key,
          passphrase: keyIsEncrypted(key) ? await secret(ctx, flags, 'Key passphrase') : undefined,
        };
      } else {
        keyPart = { password: await secret(ctx, flags, 'Password') };
      }
      const suPassword = elevation === 'su' ? await secret(ctx, flags, 'su password') : undefined;
      return { type, userName: user, ...keyPart, elevation, suPassword };
    }
    case 'ssh-key': {
      const user = userName();
      const key = await readText(flags.keyFile, '--key-file');
      return {
        type,
        userName: user,
        privateKey: key,
        passphrase: keyIsEncrypted(key) ? await secret(ctx, flags, 'Key passphrase') : undefined,
      };
    }
    case 'certificate': {
      const cert = await readText(flags.certFile, '--cert-file');
      const key = await readText(flags.keyFile, '--key-file');
      return {
        type,
        certificatePem: cert,
        privateKeyPem: key,
        passphrase: keyIsEncrypted(key) ? await secret(ctx, flags, 'Key passphrase') : undefined,
      };
    }
  }
}

/** True when update flags ask to replace the secret (anything that shapes a credential). */
export function replacesCredential(flags: CredentialFlags & { replaceSecret?: boolean }): boolean {
  return Boolean(
    flags.replaceSecret ||
      flags.credentialFile ||
      flags.secretStdin ||
      flags.user !== undefined ||
      flags.domain !== undefined ||
      flags.context !== undefined ||
      flags.authProtocol ||
      flags.privacyProtocol ||
      flags.sudo !== undefined ||
      flags.elevation ||
      flags.dataFile ||
      flags.keyFile ||
      flags.certFile,
  );
}
