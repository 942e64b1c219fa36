// `steward profile show | create | delete`: one profile with who uses it, and profiles made by hand.
import type { Command } from 'commander';
import { apiPath } from '../../contract/client.js';
import { deleteProfileResponse, type ProfileDetail, profileDetailSchema } from '../../contract/packs.js';
import type { CliContext } from '../cli-context.js';
import type { Output } from '../output.js';
import { session } from '../session.js';

function showProfile(out: Output, p: ProfileDetail) {
  out.fields([
    ['id', p.id],
    ['display name', p.displayName],
    ['description', p.description],
    ['pack', p.packId],
    ['context class', p.contextClassId],
    ['made by', p.createdBy ?? '(declared by its pack)'],
  ]);
  out.line('');
  out.table(
    p.workflows,
    [
      { header: 'workflow', value: (w) => w.id },
      { header: 'kind', value: (w) => w.kind },
      { header: 'target class', value: (w) => w.targetClassId },
      { header: 'pack', value: (w) => w.packId },
    ],
    'No Steward workflow runs as this profile.',
  );
  out.line('');
  out.table(
    p.uses,
    [
      { header: 'profile use', value: (u) => u.elementId },
      { header: 'kind', value: (u) => u.elementKind },
      { header: 'target class', value: (u) => u.targetClassId ?? '-' },
      { header: 'via', value: (u) => u.via ?? '-' },
      { header: 'where', value: (u) => u.path },
    ],
    'No SCOM workflow or module type runs as this profile.',
  );
  if (p.uses.length) {
    out.note(
      'Profile uses are SCOM workflows Steward does not run; their target classes count for findings and `steward account distribute --suggested`.',
    );
  }
}

export function registerProfileManageCommands(profile: Command, ctx: CliContext): void {
  profile
    .command('show')
    .description('Show a profile: the workflows and SCOM profile uses that run as it')
    .argument('<profile>', 'profile id, e.g. Contoso.SQL.Profile')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const p = await s
        .client()
        .request('GET', apiPath`/api/v1/profiles/${id}`, { schema: profileDetailSchema });
      s.out.result(p, () => showProfile(s.out, p));
    });

  profile
    .command('create')
    .description("Create a Run As profile in an unsealed pack (SCOM's Create Run As Profile)")
    .requiredOption('--name <display name>', 'the name people see, e.g. "External Mail Account"')
    .requiredOption(
      '--pack <id>',
      'destination pack: an unsealed one, e.g. Microsoft.SystemCenter.Notifications.Internal',
    )
    .option('--description <text>', 'what the profile is for')
    .option('--id <id>', 'profile id (default: the pack id and the name in one word)')
    .option('--context-class <id>', 'the class it applies to (default: System.Entity, any class)')
    .addHelpText(
      'after',
      `
A sealed pack never changes by hand: choose an unsealed pack. Notifications Internal Library
(Microsoft.SystemCenter.Notifications.Internal) is built in for profiles made for notification channels.

Example (an e-mail channel that signs in with its own account):
  steward profile create --name "External Mail Account" --pack Microsoft.SystemCenter.Notifications.Internal
  steward profile associate Microsoft.SystemCenter.Notifications.Internal.ExternalMailAccount \\
    --account mail-sender --class Steward.AlertNotificationSubscriptionServer`,
    )
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const p = await s.client().request('POST', '/api/v1/profiles', {
        body: {
          displayName: opts.name,
          packId: opts.pack,
          description: opts.description,
          id: opts.id,
          contextClassId: opts.contextClass,
        },
        schema: profileDetailSchema,
      });
      s.out.result(p, () => s.out.line(`Created profile ${p.id} (${p.displayName}) in pack ${p.packId}.`));
    });

  profile
    .command('delete')
    .description('Delete a profile made by hand (refused while workflows, channels or associations use it)')
    .argument('<profile>', 'profile id')
    .option('--cascade', "also remove the profile's account associations")
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('DELETE', apiPath`/api/v1/profiles/${id}`, {
        query: { cascade: opts.cascade ? 'true' : undefined },
        schema: deleteProfileResponse,
      });
      s.out.result(r, () =>
        s.out.line(
          `Deleted profile ${r.id}${r.associationsRemoved.length ? ` and its associations ${r.associationsRemoved.join(', ')}` : ''}.`,
        ),
      );
    });
}
