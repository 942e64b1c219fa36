// `steward agent token create|list|revoke`, `steward agent list|approve|revoke`: administrators enroll, list, approve and revoke agents.
import { type Command, Option } from 'commander';
import { z } from 'zod';
import {
  agentSchema,
  agentStatuses,
  enrollmentTokenListSchema,
  enrollmentTokenSchema,
} from '../../contract/agents.js';
import { apiPath, type Client, listOf } from '../../contract/client.js';
import type { CliContext } from '../cli-context.js';
import { integerOption } from '../options.js';
import type { Column } from '../output.js';
import { session } from '../session.js';
import { agentGroup } from './agent-group.js';

type Agent = z.infer<typeof agentSchema>;

const columns: Column<Agent>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'computer', value: (a) => a.computerName },
  { header: 'status', value: (a) => a.status },
  { header: 'available', value: (a) => (a.status === 'approved' ? (a.available ? 'yes' : 'no') : '') },
  { header: 'enrolled', value: (a) => a.enrolledAt },
  { header: 'last seen', value: (a) => a.lastSeenAt },
  { header: 'key fingerprint', value: (a) => a.signingKeyFingerprint },
];

const tokenColumns: Column<z.infer<typeof enrollmentTokenListSchema>['items'][number]>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'computer', value: (t) => t.computerName },
  { header: 'state', value: (t) => t.state },
  { header: 'expires', value: (t) => t.expiresAt },
  { header: 'used', value: (t) => t.usedAt },
  { header: 'created by', value: (t) => t.createdBy },
];

const changedSchema = z.object({ id: z.string(), status: z.enum(['approved', 'revoked']) });

/** The `agent` command group: shared with other `steward agent …` commands, whichever registers first. */
/** The agent with this id, as listed after a change (for its computer name and key fingerprint). */
async function findAgent(client: Client, id: string): Promise<Agent | undefined> {
  const { items } = await client.request('GET', '/api/v1/agents', { schema: listOf(agentSchema) });
  return items.find((a) => a.id === id);
}

/** The shell command that starts the agent with its token; the server URL is the one this CLI talks to. */
const startCommand = (url: string, token: string, fingerprint: string | null) =>
  `steward agent --server ${url.replace(/\/+$/, '')} --token ${token}${
    fingerprint && url.startsWith('https:') ? ` --ca-fingerprint ${fingerprint}` : ''
  }`;

export function registerAgentAdminCommands(program: Command, ctx: CliContext): void {
  const agent = agentGroup(program);

  const token = agent
    .command('token')
    .description('Single-use enrollment tokens that admit an agent at once (administrators)');

  token
    .command('create')
    .description(
      'Make an enrollment token for one computer; it is printed once and Steward keeps only its hash',
    )
    .argument('<computer>', 'host name of the computer the agent runs on, e.g. sql01.contoso.com')
    .option(
      '--expires-in <minutes>',
      'how long the token can be used, in minutes (default 60, at most a week)',
      integerOption(1, 7 * 24 * 60),
    )
    .addHelpText(
      'after',
      `
The token admits one agent, for this computer only, once. Its enrollment is approved at once; an
agent started without a token waits for \`steward agent approve\` instead. The command that starts the
agent is printed with the token in it; with --json the token and that command are in the document.

Examples:
  steward agent token create sql01.contoso.com
  steward agent token create web02 --expires-in 15 --json`,
    )
    .action(async (computerName: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const r = await client.request('POST', '/api/v1/agents/enrollment-tokens', {
        body: { computerName, expiresInMinutes: opts.expiresIn },
        schema: enrollmentTokenSchema,
      });
      const command = startCommand(client.baseUrl, r.token, r.serverCertificateSha256);
      s.out.note(
        `Enrollment token ${r.id} for ${r.computerName} expires ${r.expiresAt}. It is shown only this once: use or store it now.`,
      );
      s.out.result({ ...r, startCommand: command }, () => {
        s.out.line(`Start the agent on ${r.computerName} with:`);
        s.out.line(`  ${command}`);
      });
    });

  token
    .command('list')
    .description('List enrollment tokens, newest first: the computer each enrolls and whether it was used')
    .addHelpText(
      'after',
      `
The tokens themselves are never shown again: Steward keeps only their hashes. A token is unused,
used (it admitted an agent) or expired.

Examples:
  steward agent token list
  steward agent token list --json`,
    )
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/agents/enrollment-tokens', {
        schema: enrollmentTokenListSchema,
      });
      s.out.result(r, () => s.out.table(r.items, tokenColumns, 'No enrollment tokens.'));
    });

  token
    .command('revoke')
    .description('Revoke an unused enrollment token, so it can no longer admit an agent')
    .argument('<token-id>', 'the token id (enr_…) from `steward agent token list`')
    .addHelpText(
      'after',
      `
A used token cannot be revoked: revoke the agent it admitted (steward agent revoke) instead.

Examples:
  steward agent token revoke enr_0a1b2c3d4e5f`,
    )
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      await s.client().request('DELETE', apiPath`/api/v1/agents/enrollment-tokens/${id}`);
      s.out.result({ id, revoked: true }, () => s.out.line(`Enrollment token ${id} revoked.`));
    });

  agent
    .command('list')
    .description('List agents with their status, computer, when each was last seen and its key fingerprint')
    .addOption(new Option('--status <status>', 'only agents with this status').choices(agentStatuses))
    .addHelpText(
      'after',
      `
Compare the key fingerprint with the one the agent prints at start before approving it.

Examples:
  steward agent list
  steward agent list --status pending`,
    )
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/agents', {
        query: { status: opts.status },
        schema: listOf(agentSchema),
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No agents.'));
    });

  agent
    .command('approve')
    .description('Approve a pending agent, registering its computer if needed')
    .argument('<agent>', 'agent id (cmp_…) or computer name')
    .addHelpText(
      'after',
      `
Approve only the agent whose key fingerprint (steward agent list --status pending) matches the one
the agent printed on its computer. The fingerprint that was approved is printed.

Examples:
  steward agent approve sql01.contoso.com
  steward agent approve cmp_0a1b2c --json`,
    )
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const r = await client.request('POST', apiPath`/api/v1/agents/${ref}/approve`, {
        schema: changedSchema,
      });
      const a = await findAgent(client, r.id);
      s.out.result(a ?? r, () => {
        s.out.line(`Approved agent ${a?.computerName ?? ref} (${r.id}).`);
        if (a) s.out.line(`Key fingerprint: ${a.signingKeyFingerprint}`);
      });
    });

  agent
    .command('revoke')
    .description('Revoke an agent: it is refused from now on and must enroll again')
    .argument('<agent>', 'agent id (cmp_…) or computer name')
    .addHelpText(
      'after',
      `
Revoking also refuses a pending request. The computer stays registered.

Examples:
  steward agent revoke sql01.contoso.com`,
    )
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const r = await client.request('POST', apiPath`/api/v1/agents/${ref}/revoke`, {
        schema: changedSchema,
      });
      const a = await findAgent(client, r.id);
      s.out.result(a ?? r, () => s.out.line(`Revoked agent ${a?.computerName ?? ref} (${r.id}).`));
    });
}
