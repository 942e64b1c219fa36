// `steward agent identity show|enable|disable` and `steward worker-group identity enable|disable`: a computer's
// own identity at its agent's metadata endpoint (127.0.0.1:40342), off until an administrator turns it on.
import type { Command } from 'commander';
import { agentSchema } from '../../contract/agents.js';
import { apiPath, type Client, listOf } from '../../contract/client.js';
import {
  type ComputerIdentity,
  computerIdentitySchema,
  workerGroupIdentitySchema,
} from '../../contract/identities.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';
import { session } from '../session.js';
import { agentGroup } from './agent-group.js';
import { resolveWorkerGroup } from './worker-group.js';

/** Accepts an agent id (cmp_…) or its computer name (exact, then ignoring case). */
async function agentIdOf(client: Client, ref: string): Promise<string> {
  if (/^cmp_[A-Za-z0-9_-]+$/.test(ref)) return ref;
  const { items } = await client.request('GET', '/api/v1/agents', { schema: listOf(agentSchema) });
  const found =
    items.find((a) => a.computerName === ref) ??
    items.find((a) => a.computerName.toLowerCase() === ref.toLowerCase());
  if (!found) throw CliError.fromCode('NOT_FOUND', `No agent runs on a computer named '${ref}'.`);
  return found.id;
}

function printIdentity(out: Output, c: ComputerIdentity): void {
  const why = [
    ...(c.direct ? ['turned on for the computer'] : []),
    ...c.groups.map((g) => `worker group ${g.name} (${g.id})`),
  ];
  out.fields([
    ['Agent', `${c.computerName} (${c.agentId})`],
    ['Identity', c.enabled ? `on: ${why.join(', ')}` : 'off'],
    ['Principal id', c.principalId ?? '(made when first turned on)'],
    ['Client id', c.clientId],
    ['Resource id', c.resourceId],
    ['Tenant id', c.tenantId],
  ]);
}

const ABOUT = `
A computer's own identity is what processes on that computer (not jobs) get tokens of, from the
agent's metadata endpoint (http://127.0.0.1:40342 by default; set with STEWARD_AGENT_METADATA_PORT),
as Azure VMs do from IMDS. It is off until an administrator turns it on, for the computer or for a
hybrid worker group (every agent in it); until then the endpoint answers 400. Its principal is made
the first time it is turned on and kept when it is turned off and on again, so role assignments
given to it stay. It starts with no rights: grant some with
\`steward role assign --principal <principal id> --role … --scope …\`. Every change is audited.
Administrators only.`;

export function registerAgentIdentityCommands(program: Command, ctx: CliContext): void {
  const identity = agentGroup(program)
    .command('identity')
    .description("A computer's own identity at its agent's metadata endpoint: show, enable, disable")
    .addHelpText('after', ABOUT);

  identity
    .command('show')
    .description(
      "Show whether a computer's identity is on, why (the computer or a worker group), and its ids",
    )
    .argument('<agent>', 'agent id (cmp_…) or computer name')
    .addHelpText(
      'after',
      `
Examples:
  steward agent identity show sql01.contoso.com
  steward agent identity show cmp_0a1b2c --json`,
    )
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const id = await agentIdOf(client, ref);
      const c = await client.request('GET', apiPath`/api/v1/agents/${id}/identity`, {
        schema: computerIdentitySchema,
      });
      s.out.result(c, () => printIdentity(s.out, c));
    });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const)
    identity
      .command(verb)
      .description(
        enabled
          ? "Turn a computer's own identity on: its agent's metadata endpoint serves its tokens"
          : "Turn a computer's own identity off (it stays on while a worker group of the agent has it on)",
      )
      .argument('<agent>', 'agent id (cmp_…) or computer name')
      .addHelpText(
        'after',
        `
${enabled ? 'The principal is made the first time and printed: assign it roles as needed.' : 'The principal and its role assignments are kept for when it is turned on again.'}

Examples:
  steward agent identity ${verb} sql01.contoso.com
  steward worker-group identity ${verb} SQL-Workers   # every agent of a worker group`,
      )
      .action(async (ref: string, _opts, cmd: Command) => {
        const s = session(ctx, cmd);
        const client = s.client();
        const id = await agentIdOf(client, ref);
        const c = await client.request('PUT', apiPath`/api/v1/agents/${id}/identity`, {
          body: { enabled },
          schema: computerIdentitySchema,
        });
        s.out.result(c, () => {
          s.out.line(
            `Computer identity of ${c.computerName} turned ${enabled ? 'on' : 'off'} for the computer.`,
          );
          if (!enabled && c.enabled)
            s.out.line(
              `It stays on through worker group(s) ${c.groups.map((g) => g.name).join(', ')}: turn it off there too.`,
            );
          s.out.line('');
          printIdentity(s.out, c);
        });
      });
}

export function registerWorkerGroupIdentityCommands(program: Command, ctx: CliContext): void {
  const wg =
    program.commands.find((c) => c.name() === 'worker-group') ??
    program.command('worker-group').description('Hybrid worker groups');
  const identity = wg
    .command('identity')
    .description('Turn the computer identity of every agent of a hybrid worker group on or off')
    .addHelpText(
      'after',
      `${ABOUT}

An agent's identity is on while it is on for the computer or for any worker group the agent is in;
see which with \`steward agent identity show <agent>\`.`,
    );
  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const)
    identity
      .command(verb)
      .description(
        enabled
          ? 'Turn the computer identity on for every agent of the group (agents added later too)'
          : 'Turn it off for the group (agents keep it where it is on for the computer or another group)',
      )
      .argument('<group>', 'group id (hwg_…) or name')
      .addHelpText(
        'after',
        `
Examples:
  steward worker-group identity ${verb} SQL-Workers`,
      )
      .action(async (ref: string, _opts, cmd: Command) => {
        const s = session(ctx, cmd);
        const client = s.client();
        const g = await resolveWorkerGroup(client, ref);
        const r = await client.request('PUT', apiPath`/api/v1/worker-groups/${g.id}/identity`, {
          body: { enabled },
          schema: workerGroupIdentitySchema,
        });
        s.out.result(r, () =>
          s.out.line(
            `Computer identity turned ${r.computerIdentity ? 'on' : 'off'} for the agents of worker group ${r.name} (${r.id}).`,
          ),
        );
      });
}
