// Run As profiles: one with who uses it, and those an administrator makes by hand in an unsealed pack
// (SCOM's Create Run As Profile) and deletes again under the association rules.
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import type { createProfileBody } from '../../../contract/packs.js';
import { ELEMENT_ID_PATTERN } from '../../../domain/packs/pack-document.js';
import { ROOT_CLASS_ID } from '../../../domain/packs/pack-validation.js';
import type { Db } from '../../../store/db.js';
import { classes, notificationChannels, profiles, workflows } from '../../../store/schema.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { appendAudit } from '../audit/audit-repo.js';
import * as elementUses from './element-uses-repo.js';
import * as repo from './packs-repo.js';
import { listProfileUsesOf, toProfileUse } from './profile-uses-repo.js';

export type ProfilesService = ReturnType<typeof createProfilesService>;

/** `External Mail Account` in pack `P` → `P.ExternalMailAccount`. */
export function profileIdFor(packId: string, displayName: string): string {
  const words = displayName
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(/\s+/);
  const tail = words
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')
    .replace(/^[0-9]+/, '');
  return `${packId}.${tail || 'RunAsProfile'}`;
}

export function createProfilesService({ db }: { db: Db }) {
  async function show(id: string) {
    const [row] = await repo.listProfiles(db, undefined, id);
    if (!row) throw notFound('Run As profile', id);
    const [wfs, uses] = await Promise.all([
      db
        .select({
          id: workflows.id,
          packId: workflows.packId,
          kind: workflows.kind,
          targetClassId: workflows.targetClassId,
        })
        .from(workflows)
        .where(eq(workflows.profileId, id))
        .orderBy(asc(workflows.id)),
      listProfileUsesOf(db, id),
    ]);
    return { ...row, workflows: wfs, uses: uses.map((u) => ({ packId: u.packId, ...toProfileUse(u) })) };
  }

  return {
    show,

    async create(actor: string, body: z.infer<typeof createProfileBody>) {
      const id = await db.transaction(async (tx) => {
        await repo.lockPacks(tx);
        const pack = await repo.findPack(tx, body.packId);
        if (!pack) throw invalid('body.packId', `no pack '${body.packId}'`);
        if (pack.sealed) {
          throw new AppError(
            'RULE_VIOLATION',
            `body.packId: pack '${pack.id}' is sealed; a profile is made in an unsealed pack (such as Microsoft.SystemCenter.Notifications.Internal, Notifications Internal Library).`,
            [{ path: 'body.packId', message: `pack '${pack.id}' is sealed: choose an unsealed pack` }],
          );
        }
        const contextClassId = body.contextClassId ?? ROOT_CLASS_ID;
        const [cls] = await tx.select({ id: classes.id }).from(classes).where(eq(classes.id, contextClassId));
        if (!cls) throw invalid('body.contextClassId', `no class '${contextClassId}'`);
        const id = body.id ?? profileIdFor(pack.id, body.displayName);
        if (!ELEMENT_ID_PATTERN.test(id) || id.length > 256) {
          throw invalid('body.id', 'must be a dotted identifier like Contoso.Mail.Account');
        }
        const world = await repo.loadWorld(tx);
        const owner = (['classes', 'relationships', 'groups', 'profiles', 'workflows'] as const).find((k) =>
          world[k].has(id),
        );
        if (owner) {
          throw new AppError(
            'ALREADY_EXISTS',
            `body.${body.id ? 'id' : 'displayName'}: an element '${id}' already exists; give the profile another ${body.id ? 'id' : 'id with --id'}.`,
            [{ path: body.id ? 'body.id' : 'body.displayName', message: `'${id}' is already taken` }],
          );
        }
        await tx.insert(profiles).values({
          id,
          packId: pack.id,
          displayName: body.displayName,
          description: body.description ?? '',
          contextClassId,
          createdBy: actor,
        });
        await appendAudit(tx, {
          actor,
          kind: 'profile.create',
          target: id,
          details: { packId: pack.id, displayName: body.displayName, contextClassId },
        });
        return id;
      });
      return show(id);
    },

    /**
     * Deletes a profile made by hand. Refused while workflows, profile uses or notification channels name it,
     * and while it has account associations unless `cascade` (which removes them, each audited).
     */
    async remove(actor: string, id: string, cascade: boolean) {
      return db.transaction(async (tx) => {
        await repo.lockPacks(tx);
        const [row] = await tx.select().from(profiles).where(eq(profiles.id, id));
        if (!row) throw notFound('Run As profile', id);
        if (row.createdBy === null) {
          throw new AppError(
            'RULE_VIOLATION',
            `Profile '${id}' is declared by pack '${row.packId}': it goes with the pack (a new version without it, or deleting the pack).`,
          );
        }
        const associated = await elementUses.countAssociationsByProfile(tx, [id]);
        const [wf, uses, channels] = await Promise.all([
          tx.select({ id: workflows.id }).from(workflows).where(eq(workflows.profileId, id)),
          listProfileUsesOf(tx, id),
          tx
            .select({ id: notificationChannels.id, name: notificationChannels.name })
            .from(notificationChannels)
            .where(inArray(notificationChannels.profileId, [id])),
        ]);
        const inUse = [
          ...(cascade ? [] : associated).map(
            (a) => `it has ${a.count} account association(s) (delete with cascade to remove them)`,
          ),
          ...wf.map((w) => `workflow '${w.id}' runs as it`),
          ...uses.map((u) => `${u.elementKind} '${u.elementId}' (pack '${u.packId}') runs as it`),
          ...channels.map((c) => `notification channel '${c.name}' (${c.id}) signs in with it`),
        ];
        if (inUse.length) {
          throw new AppError('IN_USE', `Profile '${id}' cannot be deleted: ${inUse.join('; ')}.`);
        }
        const associationsRemoved: string[] = [];
        for (const a of cascade ? await elementUses.deleteAssociationsOfProfiles(tx, [id]) : []) {
          associationsRemoved.push(a.id);
          await appendAudit(tx, {
            actor,
            kind: 'association.delete',
            target: a.id,
            details: { profileId: id, accountId: a.accountId, cascadeFromProfile: id },
          });
        }
        await tx.delete(profiles).where(and(eq(profiles.id, id)));
        await appendAudit(tx, {
          actor,
          kind: 'profile.delete',
          target: id,
          details: { packId: row.packId, displayName: row.displayName, associationsRemoved },
        });
        return { id, associationsRemoved };
      });
    },
  };
}
