// `steward automation runas create|show|renew|delete` (the legacy certificate Run As account of an automation
// account) and `steward automation runas-usage` (what still uses Run As: runbook versions by line, and jobs).
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { apiPath } from '../../contract/client.js';
import { type RunAsAccount, runAsAccountSchema, runAsUsageResponse } from '../../contract/runas.js';
import type { CliContext } from '../cli-context.js';
import { integerOption } from '../options.js';
import type { Output } from '../output.js';
import { session } from '../session.js';
import { certificateBody } from './asset.js';
import { resolveAutomationAccount } from './automation.js';
import { registerMigrateCommand } from './migrate.js';

const runAsPath = (accountId: string) => apiPath`/api/v1/automation-accounts/${accountId}/run-as-account`;

function printRunAs(out: Output, r: RunAsAccount): void {
  out.fields([
    ['Automation account', `${r.automationAccountName} (${r.automationAccountId})`],
    ['Status', r.status],
    ...r.statusReasons.map((reason): [string, string] => ['  reason', reason]),
    ['Display name', r.displayName],
    ['Application id', r.applicationId],
    ['Service principal id', r.servicePrincipalId],
    ['Tenant id', r.tenantId],
    ['Subscription id', r.subscriptionId],
    ['Certificate', r.certificate ? `${r.certificate.thumbprint} (${r.certificateSource})` : null],
    ['Expires', r.certificate?.expiresAt ?? null],
    [
      'Accepted for sign-in',
      r.acceptedCertificates.map((c) => `${c.thumbprint} until ${c.expiresAt.slice(0, 10)}`).join(', ') ||
        'none',
    ],
    ['Assets', `${r.certificateAssetName}, ${r.connectionAssetName}`],
    ['Created', r.createdAt],
    ['Renewed', r.renewedAt],
  ]);
  out.line('');
  out.line(`Legacy: ${r.advisory.message}`);
  out.line(`Next step: ${r.advisory.nextStep}`);
}

const certificateOptions = (cmd: Command) =>
  cmd
    .option('--months <n>', 'months the self-signed certificate is valid (default 12)', integerOption(1, 120))
    .option(
      '--file <path>',
      'an enterprise-CA certificate with its key instead: .pfx/.p12, or .pem with --key-file',
    )
    .option('--key-file <path>', 'the private key (PEM) of a .pem certificate')
    .option('--no-password', 'the .pfx has no password (do not ask)')
    .option('--secret-stdin', 'read the PFX password or key passphrase from stdin');

async function uploadOf(ctx: CliContext, opts: Record<string, unknown>) {
  if (!opts.file) return {};
  return { certificate: await certificateBody(ctx, { ...opts, noPassword: opts.password === false }) };
}

export function registerRunAsCommands(automation: Command, ctx: CliContext): void {
  registerMigrateCommand(automation, ctx);
  const runas = automation
    .command('runas')
    .description(
      'The legacy certificate Run As account of an automation account (retired: move to a managed identity)',
    )
    .addHelpText(
      'after',
      `
A Run As account is an application with a service principal, a certificate, and the assets
AzureRunAsCertificate and AzureRunAsConnection that runbooks sign in with. It is kept for runbooks
that still need it; every answer carries the next step off it. See docs/migration.md.

Examples:
  steward automation runas create Billing --months 6
  steward automation runas create Billing --file contoso.pfx --secret-stdin < pfx-password.txt
  steward automation runas show Billing
  steward automation runas renew Billing
  steward automation runas delete Billing`,
    );

  runas
    .command('show')
    .description(
      'Show the Run As account: its parts, status (Complete/Incomplete and why), certificate, advisory',
    )
    .argument('<account>', 'automation account id (aa_…) or name')
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const a = await resolveAutomationAccount(client, ref);
      const r = await client.request('GET', runAsPath(a.id), { schema: runAsAccountSchema });
      s.out.result(r, () => printRunAs(s.out, r));
    });

  certificateOptions(
    runas
      .command('create')
      .description(
        'Create the Run As account: application, principal, self-signed certificate (or --file), both assets',
      )
      .argument('<account>', 'automation account id (aa_…) or name')
      .option('--subscription-id <guid>', "the connection's SubscriptionId (default: the tenant id)"),
  ).action(async (ref: string, opts, cmd: Command) => {
    const s = session(ctx, cmd);
    const client = s.client();
    const a = await resolveAutomationAccount(client, ref);
    const r = await client.request('POST', runAsPath(a.id), {
      body: {
        ...(opts.months ? { validityMonths: opts.months } : {}),
        ...(opts.subscriptionId ? { subscriptionId: opts.subscriptionId } : {}),
        ...(await uploadOf(ctx, opts)),
      },
      schema: runAsAccountSchema,
    });
    s.out.result(r, () => {
      s.out.line(`Created the Run As account of ${r.automationAccountName}: application ${r.applicationId}.`);
      printRunAs(s.out, r);
    });
  });

  certificateOptions(
    runas
      .command('renew')
      .description('Renew the certificate: a new one in both assets; the old one signs in until it expires')
      .argument('<account>', 'automation account id (aa_…) or name')
      .option('--revoke-previous', 'stop every earlier certificate signing in now (a leaked key)'),
  ).action(async (ref: string, opts, cmd: Command) => {
    const s = session(ctx, cmd);
    const client = s.client();
    const a = await resolveAutomationAccount(client, ref);
    const r = await client.request(
      'POST',
      apiPath`/api/v1/automation-accounts/${a.id}/run-as-account/renew`,
      {
        body: {
          ...(opts.months ? { validityMonths: opts.months } : {}),
          revokePrevious: Boolean(opts.revokePrevious),
          ...(await uploadOf(ctx, opts)),
        },
        schema: runAsAccountSchema,
      },
    );
    s.out.result(r, () => {
      s.out.line(`Renewed: certificate ${r.certificate?.thumbprint} until ${r.certificate?.expiresAt}.`);
      printRunAs(s.out, r);
    });
  });

  runas
    .command('delete')
    .description(
      'Delete the Run As account (application, principal, both assets); the automation account stays. Refused, naming them, while a runbook or a recent job still signs in with it',
    )
    .argument('<account>', 'automation account id (aa_…) or name')
    .addOption(
      new Option(
        '--days <n>',
        'how far back to look for jobs that read its certificate or connection (refused while one would again)',
      )
        .argParser(integerOption(1, 3650))
        .default(7),
    )
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const a = await resolveAutomationAccount(client, ref);
      await client.request('DELETE', runAsPath(a.id), {
        query: { days: String(opts.days) },
        schema: z.undefined(),
      });
      s.out.result({ deleted: a.id }, () =>
        s.out.line(`Deleted the Run As account of ${a.name}; its certificates no longer sign in.`),
      );
    });

  automation
    .command('runas-usage')
    .description(
      'What still uses Run As: every account with one, the runbook versions (any type, draft and published) that sign in with it, by line, and the jobs that read it',
    )
    .option('--account <account>', 'only this automation account (id or name)')
    .addOption(
      new Option('--days <n>', 'how far back to look for jobs and sign-ins')
        .argParser(integerOption(1, 3650))
        .default(30),
    )
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/run-as-usage', {
        query: { account: opts.account, days: String(opts.days) },
        schema: runAsUsageResponse,
      });
      s.out.result(r, () => {
        if (!r.items.length) s.out.line('No automation account has a Run As account.');
        for (const item of r.items) {
          s.out.line(
            `${item.automationAccountName} (${item.automationAccountId}): Run As ${item.runAs.status}, application ${item.runAs.applicationId}, expires ${item.runAs.expiresAt ?? 'unknown'}`,
          );
          for (const reason of item.runAs.statusReasons) s.out.line(`  ! ${reason}`);
          s.out.line(
            `  roles: ${item.runAs.roleAssignments.map((a) => `${a.role} at ${a.scope}`).join(', ') || 'none'}${item.runAs.defaultRoleOnly ? ' (the default Contributor, unchanged: narrow it with migrate --least-privilege)' : ''}`,
          );
          for (const rb of item.runbooks)
            for (const v of rb.versions)
              for (const h of v.hits)
                s.out.line(
                  `  ${rb.name} (${rb.type}, ${v.version === null ? 'draft' : `v${v.version} ${v.state}`}) line ${h.line}: ${h.text}`,
                );
          if (!item.runbooks.length) s.out.line('  no runbook content uses it');
          s.out.line(
            `  jobs that read its assets in ${r.days} days: ${item.jobs.map((j) => j.jobId).join(', ') || 'none'}; sign-ins: ${item.signIns.count}${item.signIns.last ? ` (last ${item.signIns.last})` : ''}`,
          );
          s.out.line(`  next step: ${item.advisory.nextStep}`);
        }
      });
    });
}
