// Gathers what findings need beyond the engine — account names and expiry, profiles in use, what exists.
import { eq, isNotNull } from 'drizzle-orm';
import { computeFindings, type Finding } from '../../../domain/resolution/findings.js';
import type { Db } from '../../../store/db.js';
import { classes, computers, groups, managementServers, workflows } from '../../../store/schema.js';
import { approvedOf, findAccount, listAccounts, listAssociations } from '../accounts/accounts-repo.js';
import { listAllProfileUses } from '../packs/profile-uses-repo.js';
import { associationDef } from './resolution-loader.js';
import type { ResolutionService } from './resolution-service.js';

export type FindingsService = ReturnType<typeof createFindingsService>;

export function createFindingsService(d: {
  db: Db;
  resolution: ResolutionService;
  warningDays: number;
  /** Findings other features add (certificates of automation accounts expiring). */
  more?: () => Promise<Finding[]>;
  now?: () => Date;
}) {
  const now = d.now ?? (() => new Date());
  return {
    async compute(): Promise<Finding[]> {
      const engine = await d.resolution.current();
      const [accountRows, assocRows, wf, daa, cls, grp, uses, srv] = await Promise.all([
        listAccounts(d.db),
        listAssociations(d.db),
        d.db.select({ profileId: workflows.profileId }).from(workflows).where(isNotNull(workflows.profileId)),
        d.db
          .select({ id: computers.defaultActionAccountId })
          .from(computers)
          .where(isNotNull(computers.defaultActionAccountId)),
        d.db.select({ id: classes.id }).from(classes),
        d.db.select({ id: groups.id }).from(groups),
        listAllProfileUses(d.db),
        d.db
          .select({ id: managementServers.defaultActionAccountId })
          .from(managementServers)
          .where(isNotNull(managementServers.defaultActionAccountId)),
      ]);
      const approved = await approvedOf(
        d.db,
        accountRows.map((a) => a.id),
      );
      const more = (await d.more?.()) ?? [];
      const scom = computeFindings(engine, {
        accounts: accountRows.map((a) => ({
          id: a.id,
          name: a.name,
          security: a.security,
          approved: approved.get(a.id) ?? [],
          expiresAt: a.expiresAt,
          kind: a.type === 'certificate' ? 'certificate' : 'account',
        })),
        associations: assocRows.map(associationDef),
        usedProfiles: new Set([...wf.map((w) => w.profileId!), ...uses.map((u) => u.profileId)]),
        defaultActionAccounts: new Set([...daa, ...srv].map((r) => r.id!)),
        classIds: new Set(cls.map((c) => c.id)),
        groupIds: new Set(grp.map((g) => g.id)),
        now: now(),
        warningDays: d.warningDays,
      });
      return [...scom, ...more];
    },
    async account(id: string) {
      const row = await findAccount(d.db, id);
      return row ? { ...row, approved: (await approvedOf(d.db, [id])).get(id) ?? [] } : undefined;
    },
    async runnerIdByName(name: string) {
      const [row] = await d.db.select({ id: computers.id }).from(computers).where(eq(computers.name, name));
      return row?.id;
    },
  };
}
