// `steward account …`: Run As accounts — list, show, create, update, delete — and their distribution.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { type Account, accountSchema, accountTypes, publicFieldNames } from '../../contract/accounts.js';
import { apiPath, type Client, listOf } from '../../contract/client.js';
import { suggestionSchema } from '../../contract/resolution.js';
import {
  type CredentialFlags,
  readCredential,
  replacesCredential,
  secretOrderHelp,
} from '../account-credential.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { resolveTargets } from '../names.js';
import type { Column, Output } from '../output.js';
import { session } from '../session.js';

const accountList = listOf(accountSchema);

/** Accepts an account id (acct_…) or its name (exact, else the one name that matches ignoring case). */
export async function resolveAccount(client: Client, ref: string): Promise<Account> {
  if (ref.startsWith('acct_'))
    return client.request('GET', apiPath`/api/v1/accounts/${ref}`, { schema: accountSchema });
  const { items } = await client.request('GET', '/api/v1/accounts', { schema: accountList });
  const exact = items.find((a) => a.name === ref);
  const loose = items.filter((a) => a.name.toLowerCase() === ref.toLowerCase());
  const found = exact ?? (loose.length === 1 ? loose[0] : undefined);
  if (!found) throw CliError.fromCode('NOT_FOUND', `Run As account '${ref}' was not found.`);
  return found;
}

/** An account id for a request: ids pass through (the server checks them), names are looked up. */
export const accountIdOf = async (client: Client, ref: string) =>
  ref.startsWith('acct_') ? ref : (await resolveAccount(client, ref)).id;

/** Account names by id, for printing `name (acct_…)` to people. */
export async function accountNames(client: Client): Promise<Map<string, string>> {
  const { items } = await client.request('GET', '/api/v1/accounts', { schema: accountList });
  return new Map(items.map((a) => [a.id, a.name]));
}

export const named = (names: Map<string, string>, id: string) => {
  const name = names.get(id);
  return name ? `${name} (${id})` : id;
};

/** Distribution targets: computer, server and pool ids pass through; other words are computer or pool names. */
/** Repeatable option of comma-separated values: `--add a,b --add c`. */
export function collectCommaList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

function expiryOption(value: string): string {
  const d = new Date(value);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(d.getTime()))
    throw new InvalidArgumentError(
      'must be an ISO 8601 date or time, e.g. 2026-12-31 or 2026-12-31T18:00:00Z.',
    );
  return d.toISOString();
}

const distributionText = (a: Account) =>
  a.distribution.security === 'less-secure'
    ? 'every managed computer (less secure)'
    : a.distribution.approved.length
      ? a.distribution.approved.join(', ')
      : 'nowhere yet (more secure, empty approved list)';

const userOf = (a: Account) => {
  const user = a.publicFields.userName;
  if (typeof user !== 'string') return null;
  return typeof a.publicFields.domain === 'string' && a.publicFields.domain
    ? `${a.publicFields.domain}\\${user}`
    : user;
};

const columns: Column<Account>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'name', value: (a) => a.name },
  { header: 'type', value: (a) => a.type },
  { header: 'user', value: userOf },
  { header: 'version', value: (a) => a.version },
  { header: 'security', value: (a) => a.distribution.security },
  {
    header: 'distributed to',
    value: (a) => (a.distribution.security === 'less-secure' ? 'every computer' : a.distribution.approved),
  },
  { header: 'expires', value: (a) => a.expiresAt },
];

const label = (key: string) => {
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** Public fields in the order the type declares them (the database may store them in another), then extras. */
const publicFieldsInOrder = (a: Account): [string, unknown][] => {
  const declared = publicFieldNames[a.type].filter((k) => k in a.publicFields);
  const extras = Object.keys(a.publicFields).filter((k) => !declared.includes(k));
  return [...declared, ...extras].map((k) => [k, a.publicFields[k]]);
};

function printAccount(out: Output, a: Account): void {
  out.fields([
    ['Id', a.id],
    ['Name', a.name],
    ['Type', a.type],
    ['Description', a.description],
    ...publicFieldsInOrder(a).map(([k, v]): [string, unknown] => [label(k), v]),
    ['Secret version', a.version],
    ['Security', a.distribution.security],
    ['Distributed to', distributionText(a)],
    ['Expires', a.expiresAt],
    ['Created', a.createdAt],
    ['Updated', a.updatedAt],
  ]);
}

/** The credential flags shared by create and update (none of them carries a secret). */
function credentialOptions(cmd: Command): Command {
  return cmd
    .option('--user <name>', 'user name (windows, action, basic, digest, simple, snmpv3, unix-*, ssh-key)')
    .option('--domain <domain>', 'Windows domain (windows, action)')
    .option('--context <context>', 'SNMPv3 context (default: empty)')
    .addOption(
      new Option('--auth-protocol <protocol>', 'SNMPv3 authentication (default none)').choices([
        'none',
        'md5',
        'sha',
      ]),
    )
    .addOption(
      new Option('--privacy-protocol <protocol>', 'SNMPv3 privacy (default none)').choices([
        'none',
        'des',
        'aes',
      ]),
    )
    .option('--sudo', 'unix-monitoring: elevate with sudo')
    .option('--no-sudo', 'unix-monitoring: do not elevate')
    .addOption(
      new Option('--elevation <how>', 'unix-maintenance: how to elevate (default privileged)').choices([
        'privileged',
        'sudo',
        'su',
      ]),
    )
    .option('--data-file <file>', 'binary: the value, read from this file (- for stdin; at most 64 KiB)')
    .option('--key-file <file>', 'ssh-key, unix-maintenance, certificate: the private key (PEM or OpenSSH)')
    .option('--cert-file <file>', 'certificate: the certificate (PEM)')
    .option('--credential-file <file>', 'the whole credential as JSON (- for stdin)')
    .option('--secret-stdin', 'read the secrets from stdin, one per line (see below)')
    .option('--password-stdin', 'the same as --secret-stdin');
}

const credentialFlags = (opts: Record<string, unknown>): CredentialFlags => ({
  user: opts.user as string | undefined,
  domain: opts.domain as string | undefined,
  context: opts.context as string | undefined,
  authProtocol: opts.authProtocol as string | undefined,
  privacyProtocol: opts.privacyProtocol as string | undefined,
  sudo: opts.sudo as boolean | undefined,
  elevation: opts.elevation as string | undefined,
  dataFile: opts.dataFile as string | undefined,
  keyFile: opts.keyFile as string | undefined,
  certFile: opts.certFile as string | undefined,
  credentialFile: opts.credentialFile as string | undefined,
  secretStdin: Boolean(opts.secretStdin || opts.passwordStdin),
});

export function registerAccountCommands(program: Command, ctx: CliContext): void {
  const account = program
    .command('account')
    .description('Run As accounts: credentials workflows run as, and where each is distributed')
    .addHelpText('after', `\nTypes: ${accountTypes.join(', ')}.\nAdministrators only.`);

  account
    .command('list')
    .description('List Run As accounts (never their secrets)')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/accounts', { schema: accountList });
      s.out.result(r, () => s.out.table(r.items, columns, 'No Run As accounts.'));
    });

  account
    .command('show')
    .description('Show a Run As account: its public fields and distribution, never the secret')
    .argument('<account>', 'account id (acct_…) or name')
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const a = await resolveAccount(s.client(), ref);
      s.out.result(a, () => printAccount(s.out, a));
    });

  credentialOptions(
    account
      .command('create')
      .description('Create a Run As account; it starts more secure, distributed nowhere')
      .argument('<name>', 'a name unique among accounts, e.g. sql-monitor')
      .addOption(new Option('--type <type>', 'the account type').choices(accountTypes))
      .option('--description <text>', 'what it is for (default: the name)')
      .option(
        '--expires <time>',
        'when the credential expires (ISO 8601), for expiry findings',
        expiryOption,
      ),
  )
    .addHelpText(
      'after',
      `${secretOrderHelp}

Examples:
  steward account create sql-monitor --type windows --user svc-sql --domain CONTOSO
  printf '%s\\n' "$PASSWORD" | steward account create web-reader --type basic --user reader --secret-stdin
  steward account create deploy-key --type ssh-key --user deploy --key-file ~/.ssh/deploy_ed25519
  steward account create snmp-core --type snmpv3 --user monitor --auth-protocol sha \\
      --privacy-protocol aes --secret-stdin < keys.txt
  steward account create api --credential-file api-token.json`,
    )
    .action(async (name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const credential = await readCredential(ctx, opts.type, credentialFlags(opts));
      const a = await client.request('POST', '/api/v1/accounts', {
        body: { name, description: opts.description, credential, expiresAt: opts.expires },
        schema: accountSchema,
      });
      s.out.result(a, () => {
        s.out.line(`Created Run As account ${a.name} (${a.id}), type ${a.type}.`);
        s.out.line(
          `It is more secure and distributed nowhere yet: steward account distribute ${a.id} --add …`,
        );
      });
    });

  credentialOptions(
    account
      .command('update')
      .description('Rename or describe a Run As account, set its expiry, or replace its secret')
      .argument('<account>', 'account id (acct_…) or name')
      .option('--name <name>', 'new name')
      .option('--description <text>', 'new description')
      .option('--expires <time>', 'new expiry (ISO 8601)', expiryOption)
      .option('--no-expires', 'clear the expiry')
      .option('--replace-secret', 'replace the secret: asked on a terminal, or read with --secret-stdin'),
  )
    .addHelpText(
      'after',
      `
Replacing the secret keeps the type and the public fields (user, domain, protocols) unless a
flag changes them, and raises the version. Any credential flag replaces the secret.
${secretOrderHelp}

Examples:
  steward account update sql-monitor --replace-secret
  printf '%s\\n' "$NEW_PASSWORD" | steward account update sql-monitor --password-stdin
  steward account update api --credential-file new-token.json --expires 2026-12-31`,
    )
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const flags = credentialFlags(opts);
      const body: Record<string, unknown> = {};
      if (opts.name !== undefined) body.name = opts.name;
      if (opts.description !== undefined) body.description = opts.description;
      if (opts.expires === false) body.expiresAt = null;
      else if (typeof opts.expires === 'string') body.expiresAt = opts.expires;
      const replace = replacesCredential({ ...flags, replaceSecret: opts.replaceSecret });
      if (Object.keys(body).length === 0 && !replace) {
        throw CliError.fromCode(
          'VALIDATION_FAILED',
          'Give at least one change: --name, --description, --expires, --no-expires, or a new secret (see --help).',
        );
      }
      const current = await resolveAccount(client, ref);
      if (replace) body.credential = await readCredential(ctx, current.type, flags, current.publicFields);
      const a = await client.request('PATCH', apiPath`/api/v1/accounts/${current.id}`, {
        body,
        schema: accountSchema,
      });
      s.out.result(a, () => {
        s.out.line(`Updated Run As account ${a.name} (${a.id}).`);
        if (a.version !== current.version)
          s.out.line(`The secret was replaced: it is now version ${a.version}.`);
      });
    });

  account
    .command('delete')
    .description('Delete a Run As account that no profile uses and no computer has as its action account')
    .argument('<account>', 'account id (acct_…) or name')
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const a = await resolveAccount(client, ref);
      await client.request('DELETE', apiPath`/api/v1/accounts/${a.id}`, { schema: z.undefined() });
      s.out.result({ deleted: a.id }, () => s.out.line(`Deleted Run As account ${a.name} (${a.id}).`));
    });

  registerDistribute(account, ctx);
}

function registerDistribute(account: Command, ctx: CliContext): void {
  account
    .command('distribute')
    .description('Choose which computers, pools and servers receive an account (its distribution)')
    .argument('<account>', 'account id (acct_…) or name')
    .option('--add <targets>', 'approve these (comma-separated; repeatable)', collectCommaList)
    .option(
      '--remove <targets>',
      'stop distributing to these (comma-separated; repeatable)',
      collectCommaList,
    )
    .option(
      '--set <targets>',
      "replace the approved list with these ('' for an empty list)",
      (v, p: string[]) => collectCommaList(v, p ?? []),
    )
    .addOption(
      new Option(
        '--security <security>',
        'more-secure: only the approved list; less-secure: every computer',
      ).choices(['more-secure', 'less-secure']),
    )
    .option(
      '--suggested',
      'list computers and pools hosting objects the account is associated with; changes nothing',
    )
    .option('--apply', 'with --suggested: approve the suggested targets')
    .addHelpText(
      'after',
      `
Targets are computers, pools and management servers by id (cmp_…, pool_…, srv_…), name or display
name ("Notifications Resource Pool"), regardless of case; a name that fits several is refused with
the candidates listed.
--security without --set empties the approved list, as Set-Distribution does (R13): give --set to
keep or replace it. An action account is always more secure.
Distribution is never inferred: --suggested only lists; --apply is the explicit act that approves.

Examples:
  steward account distribute sql-monitor --add sql01.contoso.com,sql02.contoso.com
  steward account distribute acct_0a1b2c --remove cmp_9z8y7x
  steward account distribute sql-monitor --security more-secure --set cmp_a,pool_b
  steward account distribute sql-monitor --suggested
  steward account distribute sql-monitor --suggested --apply`,
    )
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const change = Boolean(opts.add || opts.remove);
      const replace = Boolean(opts.set || opts.security);
      if (opts.apply && !opts.suggested)
        throw CliError.fromCode('VALIDATION_FAILED', '--apply goes with --suggested.');
      if (opts.suggested && (change || replace))
        throw CliError.fromCode(
          'VALIDATION_FAILED',
          '--suggested stands alone (with --apply): give --add/--remove/--set in another command.',
        );
      if (change && replace)
        throw CliError.fromCode(
          'VALIDATION_FAILED',
          'Give --add/--remove, or --set/--security, not both: --set replaces the whole list.',
        );
      if (!change && !replace && !opts.suggested)
        throw CliError.fromCode(
          'VALIDATION_FAILED',
          'Give --add, --remove, --set, --security or --suggested (see --help).',
        );
      const before = await resolveAccount(client, ref);
      const path = apiPath`/api/v1/accounts/${before.id}/distribution`;

      if (opts.suggested) {
        const sug = await client.request('GET', `${path}/suggested`, { schema: suggestionSchema });
        if (!opts.apply) {
          s.out.result(sug, () => {
            if (sug.suggested.length === 0) {
              s.out.line(
                `Nothing to suggest for ${before.name} (${before.id}): it is approved on every computer or pool hosting objects it would run for.`,
              );
            } else {
              s.out.line(
                `Suggested for ${before.name} (${before.id}), hosting objects it is associated with:`,
              );
              for (const t of sug.suggested) s.out.line(`  ${t}`);
              s.out.line(
                `Nothing was changed. Approve them with: steward account distribute ${before.id} --suggested --apply`,
              );
            }
            if (sug.alreadyApproved.length) s.out.line(`Already approved: ${sug.alreadyApproved.join(', ')}`);
          });
          return;
        }
        if (sug.suggested.length === 0) {
          s.out.result(before, () =>
            s.out.line(
              `Nothing to add: ${before.name} (${before.id}) already reaches every suggested target.`,
            ),
          );
          return;
        }
        const a = await client.request('PATCH', path, {
          body: { add: sug.suggested },
          schema: accountSchema,
        });
        s.out.result(a, () => {
          s.out.line(
            `Approved ${sug.suggested.length} suggested target(s) for ${a.name} (${a.id}): ${sug.suggested.join(', ')}.`,
          );
          s.out.line(`Distributed to: ${distributionText(a)}`);
        });
        return;
      }

      let a: Account;
      if (change) {
        const add = await resolveTargets(client, opts.add ?? []);
        const remove = await resolveTargets(client, opts.remove ?? []);
        a = await client.request('PATCH', path, { body: { add, remove }, schema: accountSchema });
      } else {
        const security = opts.security ?? before.distribution.security;
        const approved = opts.set ? await resolveTargets(client, opts.set) : undefined;
        a = await client.request('PUT', path, { body: { security, approved }, schema: accountSchema });
        if (!opts.set && before.distribution.approved.length && a.distribution.approved.length === 0)
          s.out.note(
            'note: the approved list is now empty: --security without --set clears it (R13); give --set to keep targets.',
          );
      }
      s.out.result(a, () => {
        s.out.line(`Updated the distribution of ${a.name} (${a.id}).`);
        s.out.line(`Distributed to: ${distributionText(a)}`);
      });
    });
}
