// `steward asset …`: variables, credentials, connections and certificates of an automation account. Secrets
// (encrypted values, passwords, encrypted connection fields, PFX passwords) come from a prompt or stdin, never argv.
import { extname } from 'node:path';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import {
  type Asset,
  type AssetKind,
  assetCollections,
  assetKinds,
  assetSchema,
  connectionTypeSchema,
} from '../../contract/automation-assets.js';
import { JOB_TOKEN_HEADER } from '../../contract/automation-jobs.js';
import { apiPath, type Client, listOf } from '../../contract/client.js';
import { bad, readInputFile, readJsonFile, readSecretLine } from '../automation-input.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { collectKeyValue } from '../options.js';
import type { Column, Output } from '../output.js';
import { session } from '../session.js';
import { automationAccountIdOf } from './automation.js';

const MAX_CERT = 64 * 1024;

const kindArgument = (value: string): AssetKind => {
  if (!(assetKinds as readonly string[]).includes(value))
    throw bad(`'${value}' is not an asset kind: give ${assetKinds.join(', ')}.`);
  return value as AssetKind;
};

const assetPath = (accountId: string, kind: AssetKind, name: string) =>
  `${apiPath`/api/v1/automation-accounts/${accountId}`}/${assetCollections[kind]}/${encodeURIComponent(name)}`;

const summary = (a: Asset): string => {
  switch (a.kind) {
    case 'variable':
      return a.encrypted ? '(encrypted)' : JSON.stringify(a.value);
    case 'credential':
      return a.userName;
    case 'connection':
      return `${a.connectionType}${a.encryptedFields.length ? ` (+${a.encryptedFields.length} encrypted)` : ''}`;
    case 'certificate':
      return `${a.thumbprint}, expires ${a.expiresAt.slice(0, 10)}`;
  }
};

const columns: Column<Asset>[] = [
  { header: 'kind', value: (a) => a.kind },
  { header: 'name', value: (a) => a.name },
  { header: 'value', value: summary },
  { header: 'version', value: (a) => a.version },
  { header: 'updated', value: (a) => a.updatedAt },
];

function printAsset(out: Output, a: Asset): void {
  const rows: [string, unknown][] = [
    ['Id', a.id],
    ['Kind', a.kind],
    ['Name', a.name],
    ['Description', a.description],
  ];
  if (a.kind === 'variable')
    rows.push(['Encrypted', a.encrypted], ['Value', a.encrypted ? '(write-only)' : JSON.stringify(a.value)]);
  if (a.kind === 'credential') rows.push(['User name', a.userName], ['Password', '(write-only)']);
  if (a.kind === 'connection')
    rows.push(
      ['Connection type', a.connectionType],
      ...Object.entries(a.fieldValues).map(([k, v]): [string, unknown] => [k, v]),
      ...a.encryptedFields.map((k): [string, unknown] => [k, '(encrypted, write-only)']),
    );
  if (a.kind === 'certificate')
    rows.push(
      ['Thumbprint', a.thumbprint],
      ['Subject', a.subject],
      ['Issuer', a.issuer],
      ['Valid from', a.notBefore],
      ['Expires', a.expiresAt],
      [
        'Private key',
        a.hasPrivateKey ? (a.exportable ? 'yes, exportable to jobs' : 'yes, not exportable') : 'no',
      ],
    );
  rows.push(['Version', a.version], ['Updated', a.updatedAt]);
  out.fields(rows);
}

async function connectionBody(
  ctx: CliContext,
  client: Client,
  accountId: string,
  opts: Record<string, unknown>,
) {
  if (!opts.type) throw bad('--type is required for a connection (e.g. AzureServicePrincipal).');
  const type = await client.request(
    'GET',
    `${apiPath`/api/v1/automation-accounts/${accountId}`}/connection-types/${encodeURIComponent(String(opts.type))}`,
    { schema: connectionTypeSchema },
  );
  const fromFile = opts.fieldsFile
    ? await readJsonFile(ctx, String(opts.fieldsFile), '--fields-file', 256 * 1024)
    : {};
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile))
    throw bad('--fields-file: must hold one JSON object of field values.');
  const values: Record<string, unknown> = { ...(fromFile as Record<string, unknown>) };
  for (const [k, v] of Object.entries((opts.field as Record<string, string> | undefined) ?? {})) {
    const f = type.fields.find((x) => x.name === k);
    if (f?.encrypted)
      throw bad(
        `--field ${k}: is encrypted; it is asked for (or read with --secret-stdin), never given on the command line.`,
      );
    values[k] = f?.type === 'int' ? Number(v) : f?.type === 'bool' ? v === 'true' : v;
  }
  for (const f of type.fields.filter((x) => x.encrypted && values[x.name] === undefined && !x.optional))
    values[f.name] = await readSecretLine(ctx, {
      fromStdin: Boolean(opts.secretStdin),
      question: f.name,
      flag: '--secret-stdin',
    });
  return { description: opts.description, connectionType: type.name, fieldValues: values };
}

export async function certificateBody(ctx: CliContext, opts: Record<string, unknown>) {
  if (!opts.file) throw bad('--file is required for a certificate (.pfx, .p12, .pem, .crt, .cer).');
  const file = String(opts.file);
  const data = await readInputFile(ctx, file, '--file', MAX_CERT);
  const common = { description: opts.description };
  const ext = extname(file).toLowerCase();
  if (ext === '.pfx' || ext === '.p12') {
    const password = opts.noPassword
      ? ''
      : await readSecretLine(ctx, {
          fromStdin: Boolean(opts.secretStdin),
          question: 'PFX password',
          flag: '--secret-stdin',
        });
    return {
      ...common,
      format: 'pfx',
      pfxBase64: data.toString('base64'),
      password,
      exportable: Boolean(opts.exportable),
    };
  }
  const text = data.toString('utf8');
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    const key = opts.keyFile
      ? (await readInputFile(ctx, String(opts.keyFile), '--key-file', MAX_CERT)).toString('utf8')
      : undefined;
    const passphrase = key?.includes('ENCRYPTED')
      ? await readSecretLine(ctx, {
          fromStdin: Boolean(opts.secretStdin),
          question: 'Key passphrase',
          flag: '--secret-stdin',
        })
      : undefined;
    return {
      ...common,
      format: 'pem',
      certificatePem: text,
      privateKeyPem: key,
      privateKeyPassphrase: passphrase,
      exportable: Boolean(opts.exportable),
    };
  }
  return { ...common, format: 'cer', certificateBase64: data.toString('base64') };
}

export function registerAssetCommands(program: Command, ctx: CliContext): void {
  const asset = program
    .command('asset')
    .description('Assets of an automation account: variables, credentials, connections, certificates')
    .addHelpText(
      'after',
      `
Secrets are never read from the command line: encrypted variable values, passwords, encrypted
connection fields and PFX passwords are asked for on a terminal, or read one per line from stdin
with --secret-stdin (for a variable, the line is its JSON value).

Examples:
  steward asset set variable Region --account ops --value '"westeurope"'
  printf '%s\\n' '"s3cr3t"' | steward asset set variable ApiKey --account ops --encrypted --secret-stdin
  steward asset set credential SqlLogin --account ops --user svc-sql
  steward asset set connection AzureRunAsConnection --account ops --type AzureServicePrincipal \\
      --field ApplicationId=… --field TenantId=… --field CertificateThumbprint=… --field SubscriptionId=…
  steward asset set certificate RunAsCert --account ops --file cert.pfx --exportable`,
    );

  asset
    .command('set')
    .description('Create or replace an asset')
    .argument('<kind>', `one of ${assetKinds.join(', ')}`, kindArgument)
    .argument('<name>', 'the asset name')
    .addOption(
      new Option('--account <account>', 'automation account id (aa_…) or name').makeOptionMandatory(),
    )
    .option('--description <text>', 'what it is for')
    .option('--value <json>', 'variable: the JSON value of a plain variable')
    .option('--value-file <file>', 'variable: the JSON value, from a file (- for stdin)')
    .option(
      '--encrypted',
      'variable: seal the value (write-only); it is asked for or read with --secret-stdin',
    )
    .option('--user <name>', 'credential: the user name')
    .option('--type <type>', 'connection: the connection type')
    .option('--field <name=value>', 'connection: a plain field (repeatable)', collectKeyValue)
    .option('--fields-file <file>', 'connection: every field as a JSON object (- for stdin)')
    .option('--file <file>', 'certificate: .pfx/.p12 (with a password), .pem/.crt (with --key-file) or .cer')
    .option('--key-file <file>', 'certificate: the PEM private key of a PEM certificate')
    .option('--no-password', 'certificate: the PFX file has no password')
    .option('--exportable', 'certificate: jobs may read the private key')
    .option('--secret-stdin', 'read secrets from stdin, one per line')
    .action(async (kind: AssetKind, name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const accountId = await automationAccountIdOf(client, opts.account);
      let body: unknown;
      if (kind === 'variable') {
        if (opts.encrypted && opts.value !== undefined)
          throw bad(
            '--value is for plain variables: an encrypted value is asked for, or read with --secret-stdin or --value-file.',
          );
        const text =
          opts.value ??
          (opts.valueFile
            ? (await readInputFile(ctx, opts.valueFile, '--value-file', 64 * 1024)).toString('utf8')
            : opts.encrypted
              ? await readSecretLine(ctx, {
                  fromStdin: Boolean(opts.secretStdin),
                  question: 'Value (JSON)',
                  flag: '--secret-stdin',
                })
              : undefined);
        if (text === undefined) throw bad('Give --value, --value-file, or --encrypted (see --help).');
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          throw bad('The value is not JSON: quote a string, e.g. \'"westeurope"\'.');
        }
        body = { description: opts.description, encrypted: Boolean(opts.encrypted), value };
      } else if (kind === 'credential') {
        if (!opts.user) throw bad('--user is required for a credential.');
        const password = await readSecretLine(ctx, {
          fromStdin: Boolean(opts.secretStdin),
          question: 'Password',
          flag: '--secret-stdin',
        });
        body = { description: opts.description, userName: opts.user, password };
      } else if (kind === 'connection') body = await connectionBody(ctx, client, accountId, opts);
      else body = await certificateBody(ctx, { ...opts, noPassword: opts.password === false });
      const a = await client.request('PUT', assetPath(accountId, kind, name), { body, schema: assetSchema });
      s.out.result(a, () => s.out.line(`Saved ${a.kind} ${a.name} (${a.id}), version ${a.version}.`));
    });

  asset
    .command('get')
    .description(
      "Inside a job: print an asset of the job's automation account as JSON, secrets included " +
        '(Get-AutomationVariable, Get-AutomationPSCredential, Get-AutomationConnection, Get-AutomationCertificate)',
    )
    .argument('<kind>', `one of ${assetKinds.join(', ')}`, kindArgument)
    .argument('<name>', 'the asset name')
    .action(async (kind: AssetKind, name: string) => {
      const endpoint = ctx.env.AUTOMATION_ENDPOINT;
      const token = ctx.env.AUTOMATION_JOB_TOKEN;
      if (!endpoint || !token)
        throw bad(
          'steward asset get runs inside a job: AUTOMATION_ENDPOINT and AUTOMATION_JOB_TOKEN are not set here. Outside a job, use steward asset show.',
        );
      let res: Response;
      try {
        res = await fetch(`${endpoint}/assets/${kind}/${encodeURIComponent(name)}`, {
          headers: { [JOB_TOKEN_HEADER]: token },
        });
      } catch {
        throw new CliError(`The job endpoint ${endpoint} does not answer.`, 1, 'UNAVAILABLE');
      }
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
      if (!res.ok)
        throw CliError.fromCode(body.error?.code ?? 'INTERNAL', body.error?.message ?? `HTTP ${res.status}`);
      ctx.stdout.write(`${JSON.stringify(body)}\n`);
    });

  asset
    .command('list')
    .description('List the assets of an automation account')
    .addOption(
      new Option('--account <account>', 'automation account id (aa_…) or name').makeOptionMandatory(),
    )
    .addOption(new Option('--kind <kind>', 'only this kind').choices(assetKinds))
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const accountId = await automationAccountIdOf(client, opts.account);
      const r = await client.request('GET', apiPath`/api/v1/automation-accounts/${accountId}/assets`, {
        query: { kind: opts.kind },
        schema: listOf(assetSchema),
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No assets.'));
    });

  asset
    .command('show')
    .description('Show an asset (never its secret parts)')
    .argument('<kind>', `one of ${assetKinds.join(', ')}`, kindArgument)
    .argument('<name>', 'the asset name')
    .addOption(
      new Option('--account <account>', 'automation account id (aa_…) or name').makeOptionMandatory(),
    )
    .action(async (kind: AssetKind, name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const accountId = await automationAccountIdOf(client, opts.account);
      const a = await client.request('GET', assetPath(accountId, kind, name), { schema: assetSchema });
      s.out.result(a, () => printAsset(s.out, a));
    });

  asset
    .command('delete')
    .description('Delete an asset')
    .argument('<kind>', `one of ${assetKinds.join(', ')}`, kindArgument)
    .argument('<name>', 'the asset name')
    .addOption(
      new Option('--account <account>', 'automation account id (aa_…) or name').makeOptionMandatory(),
    )
    .action(async (kind: AssetKind, name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const accountId = await automationAccountIdOf(client, opts.account);
      await client.request('DELETE', assetPath(accountId, kind, name), { schema: z.undefined() });
      s.out.result({ deleted: { kind, name } }, () => s.out.line(`Deleted ${kind} ${name}.`));
    });
}
