// Per-command plumbing: the output mode from --json and an API client signed in from the environment or the credentials file.
import type { Command } from 'commander';
import { type Client, type ClientOptions, createClient } from '../contract/client.js';
import { serverTrustFromEnv } from '../crypto/server-trust-env.js';
import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';
import {
  type Credentials,
  credentialsExposed,
  credentialsPath,
  DEFAULT_URL,
  readCredentials,
} from './credentials.js';
import { refreshedIdentityLogin } from './identity-refresh.js';
import { createOutput, type Output } from './output.js';

export interface Target {
  url: string;
  token: string | undefined;
  /** Where the token came from. */
  source: 'env' | 'file' | 'none';
  username?: string;
  /** The credentials file's content, when the token came from it. */
  credentials?: Credentials;
}

/** STEWARD_URL and STEWARD_TOKEN override the credentials file, so scripts and CI need no login. */
export function resolveTarget(env: NodeJS.ProcessEnv): Target {
  const file = readCredentials(env);
  const url = env.STEWARD_URL || file?.url || DEFAULT_URL;
  if (env.STEWARD_TOKEN) return { url, token: env.STEWARD_TOKEN, source: 'env' };
  if (file) {
    return {
      url,
      token: file.token,
      source: 'file',
      username: file.username,
      credentials: file,
    };
  }
  return { url, token: undefined, source: 'none' };
}

/**
 * The `fetch` that reaches the server: trusting the pins of STEWARD_CA_FINGERPRINT or the CA of STEWARD_CA_FILE
 * when set (a hybrid job gets its agent's), the system's CAs otherwise. Bad values fail with exit code 2.
 */
export function serverFetch(env: NodeJS.ProcessEnv): typeof fetch {
  let trust: ReturnType<typeof serverTrustFromEnv>;
  try {
    trust = serverTrustFromEnv(env);
  } catch (err) {
    throw new CliError((err as Error).message, 2, 'VALIDATION_FAILED');
  }
  if (!trust.fingerprints && !trust.caFile) return globalThis.fetch;
  // Loaded only when asked for: other commands start without the HTTP client it brings.
  const pinned = import('../crypto/tls-trust.js').then((m) => m.trustingFetch(trust));
  return (async (input: string | URL | Request, init?: RequestInit) =>
    (await pinned)(input as string, init)) as typeof fetch;
}

/** An API client that reaches the server as `serverFetch` does. */
export const apiClient = (env: NodeJS.ProcessEnv, opts: Omit<ClientOptions, 'fetch'>): Client =>
  createClient({ ...opts, fetch: serverFetch(env) });

export interface Session {
  out: Output;
  /** A client for the signed-in user; fails with exit code 3 when nobody is signed in. */
  client(): Client;
  /** A client without a token (sign-in). */
  anonymousClient(url: string): Client;
}

export function session(ctx: CliContext, cmd: Command): Session {
  const json = Boolean(cmd.optsWithGlobals().json);
  const out = createOutput(ctx.stdout, ctx.stderr, json);
  return {
    out,
    client() {
      const target = resolveTarget(ctx.env);
      if (!target.token) {
        throw CliError.fromCode(
          'UNAUTHENTICATED',
          'Not signed in: run `steward login`, or set STEWARD_URL and STEWARD_TOKEN.',
        );
      }
      if (target.source === 'file' && credentialsExposed(ctx.env)) {
        out.note(`warning: ${credentialsPath(ctx.env)} can be read by other users; run chmod 600 on it.`);
      }
      const file = target.source === 'file' ? target.credentials : undefined;
      if (!file?.identity) return apiClient(ctx.env, { baseUrl: target.url, token: target.token });
      // An identity sign-in: its token is renewed (once per command) before the first request when near expiry.
      let renewed: Promise<Client> | undefined;
      const client = () =>
        (renewed ??= refreshedIdentityLogin(ctx, file).then((c) =>
          apiClient(ctx.env, { baseUrl: target.url, token: c.token }),
        ));
      return {
        baseUrl: target.url,
        request: async (method, path, opts) => (await client()).request(method, path, opts),
      };
    },
    anonymousClient: (url) => apiClient(ctx.env, { baseUrl: url }),
  };
}
