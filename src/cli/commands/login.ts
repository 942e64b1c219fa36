// `steward login`, `logout` and `whoami`: exchange a user name and password for an API token kept on disk; inside a
// job, `steward login --identity` keeps an identity token of the job's account instead (Connect-AzAccount -Identity).
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { loginResponse, userSchema } from '../../contract/auth.js';
import { ApiError, apiPath } from '../../contract/client.js';
import { STEWARD_API_AUDIENCE } from '../../contract/role-assignments.js';
import { roleNames } from '../../domain/roles.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import {
  credentialsPath,
  DEFAULT_URL,
  readCredentials,
  removeCredentials,
  writeCredentials,
} from '../credentials.js';
import { tokenFromJobEndpoint } from '../identity-endpoint.js';
import { readNewPassword, readSecret } from '../secrets.js';
import { apiClient, session } from '../session.js';
import { loginWithCertificate } from './login-service-principal.js';

function checkUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new CliError(`'${value}' is not a URL; give one like ${DEFAULT_URL}.`, 2, 'VALIDATION_FAILED');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new CliError(`'${value}' is not an http or https URL.`, 2, 'VALIDATION_FAILED');
  }
  return value.replace(/\/+$/, '');
}

async function need(
  ctx: CliContext,
  value: string | undefined,
  question: string,
  flag: string,
  def?: string,
) {
  if (value) return value;
  if (!ctx.prompter.isTTY) {
    throw new CliError(
      `${question} is needed: give ${flag} (stdin is not a terminal, so Steward cannot ask).`,
      2,
      'VALIDATION_FAILED',
    );
  }
  const answer = await ctx.prompter.ask(question, def);
  if (!answer) throw new CliError(`${question} is needed.`, 2, 'VALIDATION_FAILED');
  return answer;
}

export function registerLoginCommands(program: Command, ctx: CliContext): void {
  program
    .command('login')
    .description(
      'Sign in to a Steward server and keep an API token (in credentials.json, mode 0600) for later commands',
    )
    .option('--url <url>', `server URL (default: $STEWARD_URL; asked on a terminal, offering ${DEFAULT_URL})`)
    .option('-u, --username <name>', 'user name (asked on a terminal when missing)')
    .option(
      '--password-stdin',
      'read the password from the first line of stdin; a new password, when the current one is one-time, from the next line',
    )
    .option('--new-password-stdin', 'read the new password (needed when the password is one-time) from stdin')
    .option('--token-name <name>', 'name of the API token this creates', `cli@${hostname()}`)
    .option(
      '--identity',
      "inside a job: sign in as the job's automation account identity (a token from IDENTITY_ENDPOINT for api://steward)",
    )
    .option('--client-id <id>', 'with --identity: the user-assigned identity with this client id')
    .option(
      '--service-principal',
      'sign in as an application with its certificate (the legacy Run As account)',
    )
    .option('--tenant <id>', 'with --service-principal: the tenant id (TenantId of the connection)')
    .option('--app-id <id>', 'with --service-principal: the application id (ApplicationId of the connection)')
    .option(
      '--cert-thumbprint <hex>',
      'with --service-principal: the certificate thumbprint (CertificateThumbprint)',
    )
    .option(
      '--certificate-asset <name>',
      'with --service-principal, inside a job: the certificate asset to sign with (default AzureRunAsCertificate)',
    )
    .option(
      '--certificate-file <path>',
      'with --service-principal: a PEM file with the certificate and its key, or what `steward asset get certificate` printed',
    )
    .option(
      '--resource <audience>',
      'with --service-principal: the audience of the token (default api://steward)',
    )
    .addHelpText(
      'after',
      `
The password is never stored: Steward keeps only the API token the server issues, in
$STEWARD_CONFIG_DIR/credentials.json (default ~/.config/steward), readable by you alone.
A first sign-in with a one-time password asks for a new one (twice on a terminal).

Examples:
  steward login --url https://steward.example.com:8420 --username dana
  printf '%s\\n' "$PASSWORD" | steward login --url "$URL" --username ci-bot --password-stdin
  printf '%s\\n%s\\n' "$ONE_TIME" "$NEW" | steward login --username dana --password-stdin

Inside a job (the Connect-AzAccount -Identity analogue), with the rights of the identity's role assignments:
  steward login --identity                      # the account's system-assigned identity
  steward login --identity --client-id <id>     # a user-assigned identity attached to the account
The job's STEWARD_URL names the server. The identity token lasts an hour; later commands in the job
renew it from IDENTITY_ENDPOINT when it has less than five minutes left.

Inside a job, with the legacy Run As account (the Connect-AzAccount -ServicePrincipal analogue):
  CONN=$(steward asset get connection AzureRunAsConnection)
  steward login --service-principal --tenant "$(echo "$CONN" | jq -r .fields.TenantId)" \\
    --app-id "$(echo "$CONN" | jq -r .fields.ApplicationId)" \\
    --cert-thumbprint "$(echo "$CONN" | jq -r .fields.CertificateThumbprint)"
Run As is retired: move such runbooks to \`steward login --identity\` (docs/migration.md).`,
    )
    .action(async (opts, cmd: Command) => {
      const { out } = session(ctx, cmd);
      if (opts.identity && opts.servicePrincipal)
        throw new CliError('Choose --identity or --service-principal, not both.', 2, 'VALIDATION_FAILED');
      if (opts.identity) return loginWithIdentity(ctx, out, opts);
      if (opts.clientId)
        throw new CliError('--client-id goes with --identity (inside a job).', 2, 'VALIDATION_FAILED');
      if (opts.servicePrincipal) {
        const url = checkUrl(opts.url ?? ctx.env.STEWARD_URL ?? DEFAULT_URL);
        return loginWithCertificate(
          ctx,
          {
            url,
            tenant: opts.tenant,
            appId: opts.appId,
            certThumbprint: opts.certThumbprint,
            certificateAsset: opts.certificateAsset,
            certificateFile: opts.certificateFile,
            resource: opts.resource,
          },
          out,
        );
      }
      const url = checkUrl(
        await need(ctx, opts.url ?? ctx.env.STEWARD_URL, 'Server URL', '--url', DEFAULT_URL),
      );
      const username = await need(ctx, opts.username, 'User name', '--username');
      const password = await readSecret(ctx, {
        fromStdin: Boolean(opts.passwordStdin),
        question: 'Password',
        flag: '--password-stdin',
      });

      const anonymous = apiClient(ctx.env, { baseUrl: url });
      const r = await anonymous.request('POST', '/api/v1/auth/login', {
        body: { username, password, tokenName: opts.tokenName },
        schema: loginResponse,
      });
      const client = apiClient(ctx.env, { baseUrl: url, token: r.token });
      const revokeIssued = () =>
        client.request('DELETE', apiPath`/api/v1/tokens/${r.tokenInfo.id}`).catch(() => undefined);

      let user = r.user;
      if (user.mustChangePassword) {
        out.note('Your password is a one-time password: choose a new one (at least 12 characters).');
        try {
          const newPassword = await readNewPassword(ctx, {
            fromStdin: Boolean(opts.passwordStdin || opts.newPasswordStdin),
            flag: '--password-stdin (the new password on the second line) or --new-password-stdin',
          });
          await client.request('POST', '/api/v1/me/password', {
            body: { currentPassword: password, newPassword },
          });
        } catch (err) {
          // Leave nothing half-done: the token issued for a sign-in that did not finish is revoked.
          await revokeIssued();
          throw err;
        }
        user = { ...user, mustChangePassword: false };
      }

      const previous = safeRead(ctx);
      const path = writeCredentials(ctx.env, {
        url,
        username: user.username,
        token: r.token,
        tokenId: r.tokenInfo.id,
        savedAt: new Date().toISOString(),
      });
      if (previous?.tokenId && previous.url === url && previous.tokenId !== r.tokenInfo.id) {
        // The token this login replaces is of no further use: revoke it rather than leave it live.
        await apiClient(ctx.env, { baseUrl: url, token: previous.token })
          .request('DELETE', apiPath`/api/v1/tokens/${previous.tokenId}`)
          .catch(() => undefined);
      }
      if (ctx.env.STEWARD_TOKEN)
        out.note('note: STEWARD_TOKEN is set and takes precedence over the saved token.');
      out.result({ url, user, tokenInfo: r.tokenInfo, credentialsPath: path }, () => {
        out.line(`Signed in to ${url} as ${user.username} (${roleNames[user.role]}).`);
        out.line(`Token ${r.tokenInfo.id} saved in ${path}; it expires ${r.tokenInfo.expiresAt}.`);
      });
    });

  program
    .command('logout')
    .description('Revoke the saved API token on the server and delete the credentials file')
    .action(async (_opts, cmd: Command) => {
      const { out } = session(ctx, cmd);
      const creds = readCredentials(ctx.env);
      if (!creds) {
        out.result({ signedOut: false }, () => out.line('Not signed in: nothing to do.'));
        return;
      }
      let revoked = false;
      if (creds.tokenId) {
        try {
          await apiClient(ctx.env, { baseUrl: creds.url, token: creds.token }).request(
            'DELETE',
            apiPath`/api/v1/tokens/${creds.tokenId}`,
          );
          revoked = true;
        } catch (err) {
          // Already revoked or expired: the server no longer accepts it, which is what logout wants.
          if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') revoked = true;
          else out.note(`warning: could not revoke the token on ${creds.url}: ${(err as Error).message}`);
        }
      }
      removeCredentials(ctx.env);
      if (ctx.env.STEWARD_TOKEN) out.note('note: STEWARD_TOKEN is still set in the environment.');
      out.result({ signedOut: true, url: creds.url, tokenRevoked: revoked }, () =>
        out.line(
          revoked
            ? `Signed out of ${creds.url}; the token is revoked.`
            : `Deleted ${credentialsPath(ctx.env)}; revoke token ${creds.tokenId ?? '(unknown id)'} with \`steward token revoke\` when the server is reachable.`,
        ),
      );
    });

  program
    .command('whoami')
    .description('Show the signed-in user and the server')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const me = await client.request('GET', '/api/v1/me', { schema: userSchema });
      s.out.result(me, () => {
        s.out.line(`${me.username} (${me.displayName}), ${roleNames[me.role]}, on ${client.baseUrl}`);
        if (me.mustChangePassword) s.out.line('Your password is one-time: run `steward password change`.');
      });
    });
}

function safeRead(ctx: CliContext) {
  try {
    return readCredentials(ctx.env);
  } catch {
    return undefined;
  }
}

/** The claims shown after an identity sign-in, read from the token (which the server verifies, not this). */
function claimsOf(token: string): { oid?: string; azp?: string } {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

async function loginWithIdentity(
  ctx: CliContext,
  out: ReturnType<typeof session>['out'],
  opts: { url?: string; username?: string; clientId?: string },
) {
  if (opts.username)
    throw new CliError('--identity signs in as an identity: give no --username.', 2, 'VALIDATION_FAILED');
  const given = opts.url ?? ctx.env.STEWARD_URL;
  if (!given)
    throw new CliError(
      'No server URL: give --url (a job on a Steward server has STEWARD_URL set).',
      2,
      'VALIDATION_FAILED',
    );
  const url = checkUrl(given);
  const t = await tokenFromJobEndpoint(
    ctx,
    STEWARD_API_AUDIENCE,
    { clientId: opts.clientId },
    'steward login --identity',
  );
  const claims = claimsOf(t.access_token);
  const expiresAt = new Date(Number(t.expires_on) * 1000).toISOString();
  const path = writeCredentials(ctx.env, {
    url,
    username: `identity:${claims.oid ?? t.client_id}`,
    token: t.access_token,
    savedAt: new Date().toISOString(),
    expiresAt,
    identity: opts.clientId ? { clientId: opts.clientId } : {},
  });
  out.result({ url, clientId: t.client_id, principalId: claims.oid, expiresAt, credentialsPath: path }, () =>
    out.line(
      `Signed in to ${url} as the managed identity ${t.client_id} (principal ${claims.oid}) until ${expiresAt}.`,
    ),
  );
}
