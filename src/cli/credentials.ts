// The signed-in session on disk: `credentials.json` in the CLI's config directory, mode 0600, written atomically.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { CliError } from './cli-error.js';

export const DEFAULT_URL = 'http://127.0.0.1:8420';

export const credentialsSchema = z.object({
  url: z.string().min(1),
  username: z.string().min(1),
  token: z.string().min(1),
  tokenId: z.string().optional(),
  savedAt: z.string().optional(),
  /** When the token expires (ISO 8601), where the CLI knows it. */
  expiresAt: z.string().optional(),
  /** A `steward login --identity` sign-in: which identity, so the token is renewed from the job's endpoint. */
  identity: z.object({ clientId: z.string().optional() }).optional(),
});
export type Credentials = z.infer<typeof credentialsSchema>;

/** `$STEWARD_CONFIG_DIR`, else `$XDG_CONFIG_HOME/steward`, else `~/.config/steward`. */
export function configDir(env: NodeJS.ProcessEnv): string {
  if (env.STEWARD_CONFIG_DIR) return env.STEWARD_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'steward');
  return join(env.HOME || homedir(), '.config', 'steward');
}

export const credentialsPath = (env: NodeJS.ProcessEnv) => join(configDir(env), 'credentials.json');

export function readCredentials(env: NodeJS.ProcessEnv): Credentials | undefined {
  const path = credentialsPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`Cannot read ${path}: ${(err as Error).message}`, 1);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = credentialsSchema.safeParse(parsed);
  if (!result.success) {
    throw new CliError(`${path} is damaged; delete it and run \`steward login\` again.`, 1);
  }
  return result.data;
}

/** Writes to a private temporary file, syncs it and renames it over the old one: never half a file. */
export function writeCredentials(env: NodeJS.ProcessEnv, creds: Credentials): string {
  const dir = configDir(env);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'credentials.json');
  const tmp = join(dir, `.credentials.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(creds, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return path;
}

export function removeCredentials(env: NodeJS.ProcessEnv): boolean {
  const path = credentialsPath(env);
  if (!existsSync(path)) return false;
  rmSync(path);
  return true;
}

/** True when the credentials file can be read by other users (someone loosened its mode). */
export function credentialsExposed(env: NodeJS.ProcessEnv): boolean {
  try {
    return (statSync(credentialsPath(env)).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}
