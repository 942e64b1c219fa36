// `steward automation migrate ACCOUNT [--dry-run] [--least-privilege] [--test] [--publish]`: moves an automation
// account off its legacy Run As account to its managed identity and prints each step, the diff of every runbook,
// what is left to change by hand, each draft's test run and the next step. Exits non-zero when a runbook failed
// or a test run did not pass, naming it.
import { type Command, Option } from 'commander';
import { apiPath } from '../../contract/client.js';
import { type MigrationReport, migrationReportSchema } from '../../contract/runas-migrate.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { integerOption } from '../options.js';
import type { Output } from '../output.js';
import { session } from '../session.js';
import { resolveAutomationAccount } from './automation.js';

const identityLine: Record<MigrationReport['identity']['action'], string> = {
  present: 'the system-assigned identity is already enabled',
  enabled: 'enabled the system-assigned identity',
  'would-enable': 'would enable the system-assigned identity',
};

function printReport(out: Output, r: MigrationReport): void {
  const dry = r.dryRun ? ' (dry run: nothing changed)' : '';
  out.line(`Migrating ${r.automationAccountName} off its Run As account${dry}`);
  out.line(
    `[1/4] identity: ${identityLine[r.identity.action]}${r.identity.principalId ? ` (principal ${r.identity.principalId})` : ''}`,
  );
  out.line(
    `[2/4] roles${r.leastPrivilege ? ` (least privilege; audited writes: ${r.auditedWrites?.join(', ') || 'none'})` : ''}:`,
  );
  if (!r.roleAssignments.length) out.line('  the Run As principal holds no role: nothing to give');
  for (const a of r.roleAssignments) out.line(`  ${a.action}: ${a.role} at ${a.scope} (from ${a.from})`);
  out.line('[3/4] runbooks:');
  if (!r.runbooks.length) out.line('  no runbook draft or published version uses Run As');
  for (const rb of r.runbooks) {
    out.line(
      `  ${rb.name} (${rb.type}): ${rb.action}${rb.publishedVersion ? ` v${rb.publishedVersion}` : ''}`,
    );
    if (rb.error) out.line(`    error: ${rb.error}`);
    for (const l of rb.diff ? rb.diff.split('\n') : []) out.line(`    ${l}`);
    for (const m of rb.manual) out.line(`    by hand, line ${m.line}: ${m.text} — ${m.reason}`);
    if (rb.test)
      out.line(
        `    test run${rb.test.jobId ? ` ${rb.test.jobId}` : ''}: ${rb.test.passed ? 'passed' : 'FAILED'}${rb.test.status ? ` (${rb.test.status})` : ''} — ${rb.test.reason}`,
      );
    if (rb.notPublished) out.line(`    not published: ${rb.notPublished}`);
  }
  out.line(
    `[4/4] ${r.stillUsingRunAs.length ? `still using Run As: ${r.stillUsingRunAs.join(', ')}` : 'no runbook draft or published version uses Run As'}`,
  );
  out.line(r.complete ? 'Done: nothing uses the Run As account any more.' : 'Not finished.');
  out.line(`Next step: ${r.nextStep}`);
}

export function registerMigrateCommand(automation: Command, ctx: CliContext): void {
  automation
    .command('migrate')
    .description(
      "Move an automation account off its Run As account: enable the identity, give it the principal's roles, rewrite runbooks as drafts, publish",
    )
    .argument('<account>', 'automation account id (aa_…) or name')
    .option('--dry-run', 'show the plan and the diff of every runbook; change nothing')
    .option(
      '--least-privilege',
      "give the identity Reader plus only what the principal's audited writes needed, not a copy of its roles",
    )
    .option('--test', 'test-run each rewritten draft (a test job) and show the outcome; publishes nothing')
    .option(
      '--publish',
      'test-run each rewritten draft with nothing left to change by hand and publish those whose test run passed',
    )
    .addOption(
      new Option('--test-timeout <seconds>', 'how long the test runs may take, all together')
        .argParser(integerOption(10, 1800))
        .default(300),
    )
    .addOption(
      new Option('--days <n>', 'how far back the audit log is read for --least-privilege')
        .argParser(integerOption(1, 3650))
        .default(30),
    )
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const a = await resolveAutomationAccount(client, ref);
      const r = await client.request(
        'POST',
        apiPath`/api/v1/automation-accounts/${a.id}/run-as-account/migrate`,
        {
          body: {
            dryRun: Boolean(opts.dryRun),
            leastPrivilege: Boolean(opts.leastPrivilege),
            test: Boolean(opts.test),
            publish: Boolean(opts.publish),
            testTimeoutSeconds: opts.testTimeout,
            days: opts.days,
          },
          schema: migrationReportSchema,
          // Test runs keep the request open while they run: wait for them, and a minute more.
          ...(opts.test || opts.publish ? { timeoutMs: (opts.testTimeout + 60) * 1000 } : {}),
        },
      );
      s.out.result(r, () => printReport(s.out, r));
      const failed = r.runbooks.filter((rb) => rb.error);
      if (failed.length) throw CliError.fromCode('RULE_VIOLATION', failed.map((rb) => rb.error).join(' '));
      const testsFailed = r.runbooks.filter((rb) => rb.test && !rb.test.passed);
      if (testsFailed.length)
        throw CliError.fromCode(
          'RULE_VIOLATION',
          `The test run of ${testsFailed.map((rb) => `${rb.name} (${rb.test?.reason})`).join(', ')} did not pass.`,
        );
    });
}
