// `steward agent config`: what one computer's or pool's health service must run, and as which accounts.
import type { Command } from 'commander';
import type { z } from 'zod';
import { apiPath } from '../../contract/client.js';
import { healthServiceConfigSchema, type resolutionSchema } from '../../contract/resolution.js';
import type { CliContext } from '../cli-context.js';
import { session } from '../session.js';
import { accountNames, named } from './account.js';
import { agentGroup } from './agent-group.js';

type Resolution = z.infer<typeof resolutionSchema>;

const resolutionText = (r: Resolution, names: Map<string, string>, hs: string) =>
  r.kind === 'default-action-account'
    ? 'default action account'
    : r.kind === 'account'
      ? `${named(names, r.accountId)} via ${r.associationId}`
      : `NOT RUN: ${named(names, r.accountId)} is not distributed to ${hs}`;

/** The `agent` command group: shared with other `steward agent …` commands, whichever registers first. */
export function registerAgentConfigCommand(program: Command, ctx: CliContext): void {
  agentGroup(program)
    .command('config')
    .description("Show a health service's configuration: its tag, accounts and what runs as which")
    .argument('<computer>', 'computer or pool id (cmp_…, pool_…), or a computer name')
    .addHelpText(
      'after',
      `
The tag changes exactly when the configuration changes. Accounts are listed with the version of
their secret; the secrets themselves are never shown.

Examples:
  steward agent config sql01.contoso.com
  steward agent config cmp_0a1b2c --json`,
    )
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const c = await client.request('GET', apiPath`/api/v1/health-services/${ref}/config`, {
        schema: healthServiceConfigSchema,
      });
      if (s.out.json) return s.out.result(c, () => {});
      const names = await accountNames(client);
      s.out.fields([
        ['Health service', c.healthServiceId],
        ['Tag', c.tag],
        ['Default action account', c.defaultActionAccountId ? named(names, c.defaultActionAccountId) : null],
      ]);
      s.out.line('');
      s.out.line('Accounts it receives (approved for it, or less secure):');
      s.out.table(
        c.accounts,
        [
          { header: 'id', value: (a) => a.id },
          { header: 'name', value: (a) => names.get(a.id) },
          { header: 'version', value: (a) => a.version },
        ],
        '  none',
      );
      s.out.line('');
      s.out.line('Workflows:');
      s.out.table(
        c.entries,
        [
          { header: 'workflow', value: (e) => e.workflowId },
          { header: 'object', value: (e) => e.objectId },
          { header: 'resolution', value: (e) => resolutionText(e.resolution, names, c.healthServiceId) },
        ],
        '  none',
      );
    });
}
