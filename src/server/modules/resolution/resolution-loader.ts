// Reads what resolution needs from the database: the whole picture at start, single records as they change.
import { and, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { Condition } from '../../../domain/inventory/conditions.js';
import type { GroupRule } from '../../../domain/inventory/membership.js';
import type {
  AccountDistribution,
  Association,
  GroupDef,
  ObjectDef,
  PoolDef,
  ResolutionInput,
  RunnerDef,
  Security,
  WorkflowDef,
} from '../../../domain/resolution/model.js';
import type { Executor } from '../../../store/db.js';
import {
  accountDistribution,
  accounts,
  associations,
  classes,
  computers,
  groupMembers,
  groupSubgroups,
  groups,
  managementServers,
  objects,
  poolMembers,
  pools,
  workflows,
} from '../../../store/schema.js';
import { approvedOf } from '../accounts/accounts-repo.js';
import { scopeOfRow } from '../accounts/associations-service.js';
import { listAllProfileUses } from '../packs/profile-uses-repo.js';

type ObjectRow = typeof objects.$inferSelect;
type AccountRow = typeof accounts.$inferSelect;
type AssociationRow = typeof associations.$inferSelect;

const objectDef = (o: ObjectRow): ObjectDef => ({
  id: o.id,
  classId: o.classId,
  hostId: o.hostId,
  name: o.name,
  displayName: o.displayName,
  properties: o.properties,
});

const accountDef = (a: AccountRow, approved: string[]): AccountDistribution => ({
  id: a.id,
  version: a.version,
  type: a.type,
  security: a.security as Security,
  approved,
});

export const associationDef = (a: AssociationRow): Association => ({
  id: a.id,
  profileId: a.profileId,
  accountId: a.accountId,
  scope: scopeOfRow(a),
  enforced: a.enforced,
  order: a.ordinal,
});

function groupDef(g: typeof groups.$inferSelect, members: string[], subgroups: string[]): GroupDef {
  const rules = (g.rules as { classId: string; conditions?: Condition[] }[]).map(
    (r): GroupRule => ({ classId: r.classId, conditions: r.conditions ?? [] }),
  );
  return { id: g.id, members, rules, subgroups };
}

/** Live servers for automatic pools; the listed ones for manual pools. */
async function poolDefs(db: Executor, liveSince: Date): Promise<PoolDef[]> {
  const [poolRows, memberRows, live] = await Promise.all([
    db.select().from(pools),
    db.select().from(poolMembers),
    db
      .select({ id: managementServers.id })
      .from(managementServers)
      .where(and(gt(managementServers.heartbeatAt, liveSince), isNull(managementServers.stoppedAt))),
  ]);
  return poolRows.map((p) => ({
    id: p.id,
    members:
      p.membership === 'automatic'
        ? live.map((s) => s.id)
        : memberRows.filter((m) => m.poolId === p.id).map((m) => m.serverId),
  }));
}

/** Profile uses that name a target class, once per workflow, profile and class: counted, never run. */
export function profileUseWorkflows(
  rows: readonly { elementId: string; profileId: string; targetClassId: string | null }[],
): WorkflowDef[] {
  const out = new Map<string, WorkflowDef>();
  for (const u of rows) {
    if (u.targetClassId === null) continue;
    const id = `${u.elementId}[${u.profileId}]`;
    if (!out.has(id))
      out.set(id, { id, targetClassId: u.targetClassId, profileId: u.profileId, runs: false });
  }
  return [...out.values()];
}

export async function loadResolutionInput(db: Executor, liveSince: Date): Promise<ResolutionInput> {
  const [
    classRows,
    objectRows,
    groupRows,
    memberRows,
    subRows,
    computerRows,
    poolRows,
    workflowRows,
    accountRows,
    assocRows,
    useRows,
  ] = await Promise.all([
    db.select({ id: classes.id, baseClassId: classes.baseClassId }).from(classes),
    db.select().from(objects),
    db.select().from(groups),
    db.select().from(groupMembers),
    db.select().from(groupSubgroups),
    db.select().from(computers),
    db.select().from(pools),
    db.select().from(workflows).where(eq(workflows.enabled, true)),
    db.select().from(accounts),
    db.select().from(associations),
    listAllProfileUses(db),
  ]);
  const membersOf = new Map<string, string[]>();
  for (const m of memberRows) membersOf.set(m.groupId, [...(membersOf.get(m.groupId) ?? []), m.objectId]);
  const subsOf = new Map<string, string[]>();
  for (const s of subRows) subsOf.set(s.groupId, [...(subsOf.get(s.groupId) ?? []), s.memberGroupId]);
  const approved = new Map<string, string[]>();
  for (const r of await db.select().from(accountDistribution))
    approved.set(r.accountId, [...(approved.get(r.accountId) ?? []), r.targetId]);
  const runners: RunnerDef[] = [
    ...computerRows.map(
      (c): RunnerDef => ({ id: c.id, kind: 'agent', defaultActionAccountId: c.defaultActionAccountId }),
    ),
    ...poolRows.map((p): RunnerDef => ({ id: p.id, kind: 'pool', defaultActionAccountId: null })),
  ];
  return {
    classes: classRows,
    objects: objectRows.map(objectDef),
    groups: groupRows.map((g) => groupDef(g, membersOf.get(g.id) ?? [], subsOf.get(g.id) ?? [])),
    runners,
    pools: await poolDefs(db, liveSince),
    workflows: [
      ...workflowRows.map((w) => ({
        id: w.id,
        targetClassId: w.targetClassId,
        profileId: w.profileId,
      })),
      ...profileUseWorkflows(useRows),
    ],
    accounts: accountRows.map((a) => accountDef(a, approved.get(a.id) ?? [])),
    associations: assocRows.map(associationDef),
  };
}

export async function loadObject(db: Executor, id: string): Promise<ObjectDef | undefined> {
  const [row] = await db.select().from(objects).where(eq(objects.id, id));
  return row ? objectDef(row) : undefined;
}

/**
 * Objects and runners (computers and pools, which are objects too) by id in one query: each id asked for is in
 * its answer, undefined when there is no such object or runner.
 */
export async function loadObjectsAndRunners(
  db: Executor,
  objectIds: string[],
  runnerIds: string[],
): Promise<{ objects: Map<string, ObjectDef | undefined>; runners: Map<string, RunnerDef | undefined> }> {
  const found = {
    objects: new Map<string, ObjectDef | undefined>(objectIds.map((id) => [id, undefined])),
    runners: new Map<string, RunnerDef | undefined>(runnerIds.map((id) => [id, undefined])),
  };
  const ids = [...new Set([...objectIds, ...runnerIds])];
  if (!ids.length) return found;
  const rows = await db
    .select({
      object: objects,
      computerId: computers.id,
      defaultActionAccountId: computers.defaultActionAccountId,
      poolId: pools.id,
    })
    .from(objects)
    .leftJoin(computers, eq(computers.id, objects.id))
    .leftJoin(pools, eq(pools.id, objects.id))
    .where(inArray(objects.id, ids));
  for (const r of rows) {
    const id = r.object.id;
    if (found.objects.has(id)) found.objects.set(id, objectDef(r.object));
    if (!found.runners.has(id)) continue;
    if (r.computerId)
      found.runners.set(id, { id, kind: 'agent', defaultActionAccountId: r.defaultActionAccountId });
    else if (r.poolId) found.runners.set(id, { id, kind: 'pool', defaultActionAccountId: null });
  }
  return found;
}

export async function loadAccount(db: Executor, id: string): Promise<AccountDistribution | undefined> {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
  return row ? accountDef(row, (await approvedOf(db, [id])).get(id) ?? []) : undefined;
}

export async function loadAssociation(db: Executor, id: string): Promise<Association | undefined> {
  const [row] = await db.select().from(associations).where(eq(associations.id, id));
  return row ? associationDef(row) : undefined;
}

export async function loadGroup(db: Executor, id: string): Promise<GroupDef | undefined> {
  const [row] = await db.select().from(groups).where(eq(groups.id, id));
  if (!row) return undefined;
  const [m, s] = await Promise.all([
    db.select().from(groupMembers).where(eq(groupMembers.groupId, id)),
    db.select().from(groupSubgroups).where(eq(groupSubgroups.groupId, id)),
  ]);
  return groupDef(
    row,
    m.map((x) => x.objectId),
    s.map((x) => x.memberGroupId),
  );
}

/** Runners (computers, then pools) by id, in two queries at most: undefined for an id that is neither. */
export async function loadRunners(db: Executor, ids: string[]): Promise<Map<string, RunnerDef | undefined>> {
  const found = new Map<string, RunnerDef | undefined>(ids.map((id) => [id, undefined]));
  if (!ids.length) return found;
  for (const c of await db.select().from(computers).where(inArray(computers.id, ids)))
    found.set(c.id, { id: c.id, kind: 'agent', defaultActionAccountId: c.defaultActionAccountId });
  const rest = ids.filter((id) => !found.get(id));
  if (rest.length)
    for (const p of await db.select({ id: pools.id }).from(pools).where(inArray(pools.id, rest)))
      found.set(p.id, { id: p.id, kind: 'pool', defaultActionAccountId: null });
  return found;
}

export const loadPools = poolDefs;
