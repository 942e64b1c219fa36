// A login made with `steward login --identity` keeps itself signed in: when its token has less than five minutes
// left, the next command asks the job's IDENTITY_ENDPOINT for a new one (the same identity) and saves it, so a
// job longer than the token's hour does not have to sign in again.
import { STEWARD_API_AUDIENCE } from '../contract/role-assignments.js';
import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';
import { type Credentials, writeCredentials } from './credentials.js';
import { tokenFromJobEndpoint } from './identity-endpoint.js';

/**
 * How long before expiry the token is renewed. The token service hands out its cached token again until five
 * minutes before it expires, so asking earlier would only get the same token back.
 */
export const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * The credentials to use now: `creds` unchanged while the token has time left or when it is not an identity
 * login; otherwise renewed from the identity endpoint and saved. Outside a job (no endpoint), or when the
 * endpoint refuses, the old token is kept while it is still valid, and the failure is reported once it is not.
 */
export async function refreshedIdentityLogin(
  ctx: CliContext,
  creds: Credentials,
  now = Date.now(),
): Promise<Credentials> {
  if (!creds.identity || !creds.expiresAt) return creds;
  const expiresAt = Date.parse(creds.expiresAt);
  if (Number.isFinite(expiresAt) && expiresAt - now > REFRESH_BEFORE_MS) return creds;
  try {
    const t = await tokenFromJobEndpoint(
      ctx,
      STEWARD_API_AUDIENCE,
      { clientId: creds.identity.clientId },
      'Renewing the identity sign-in',
    );
    const renewed: Credentials = {
      ...creds,
      token: t.access_token,
      expiresAt: new Date(Number(t.expires_on) * 1000).toISOString(),
      savedAt: new Date(now).toISOString(),
    };
    writeCredentials(ctx.env, renewed);
    return renewed;
  } catch (err) {
    if (Number.isFinite(expiresAt) && expiresAt > now) return creds;
    const why = err instanceof Error ? err.message : String(err);
    throw CliError.fromCode(
      'UNAUTHENTICATED',
      `The identity sign-in expired at ${creds.expiresAt} and could not be renewed (${why}); run \`steward login --identity\` inside the job again.`,
    );
  }
}
