// Reads what resolution needs from the database: the whole picture at start, single records as they change.
import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
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
import { type Executor, preparedPerExecutor } from '../../../store/db.js';
import {
  accountDistribution,
  accounts,
  associations,
  auditLog,
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
import { objectDefColumns } from '../inventory/objects-repo.js';
import { listAllProfileUses } from '../packs/profile-uses-repo.js';

type ObjectRow = Pick<typeof objects.$inferSelect, keyof typeof objectDefColumns>;
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

/** Objects per page when every object is read (see `loadAllObjects`). */
const OBJECT_PAGE = 2_000;

/**
 * Every object, as resolution sees it. Read as pages of JSON arrays rather than as rows of columns: the embedded
 * database copies out each field of each row on its own, so at fleet size (300,000 objects, six fields each) the
 * fields cost more than the query; a page of objects is one field, parsed by JSON.parse.
 */
async function loadAllObjects(db: Executor): Promise<ObjectDef[]> {
  const result = (await db.execute(sql`
    SELECT json_agg(json_build_array(id, class_id, host_id, name, display_name, properties))::text AS page
    FROM (SELECT *, (row_number() OVER ()) / ${OBJECT_PAGE} AS n FROM ${objects}) o
    GROUP BY n`)) as unknown as { rows: { page: string }[] };
  const out: ObjectDef[] = [];
  for (const { page } of result.rows)
    for (const [id, classId, hostId, name, displayName, properties] of JSON.parse(page) as [
      string,
      string,
      string | null,
      string,
      string,
      Record<string, unknown>,
    ][])
      out.push({ id, classId, hostId, name, displayName, properties });
  return out;
}

/** Rows gathered into one list per key, in the order read. */
function listsBy<R>(rows: readonly R[], key: (r: R) => string, value: (r: R) => string) {
  const lists = new Map<string, string[]>();
  for (const r of rows) {
    const list = lists.get(key(r));
    if (list) list.push(value(r));
    else lists.set(key(r), [value(r)]);
  }
  return lists;
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
    loadAllObjects(db),
    db.select().from(groups),
    db.select({ groupId: groupMembers.groupId, objectId: groupMembers.objectId }).from(groupMembers),
    db.select().from(groupSubgroups),
    db.select({ id: computers.id, defaultActionAccountId: computers.defaultActionAccountId }).from(computers),
    db.select().from(pools),
    db.select().from(workflows).where(eq(workflows.enabled, true)),
    db.select().from(accounts),
    db.select().from(associations),
    listAllProfileUses(db),
  ]);
  const membersOf = listsBy(
    memberRows,
    (m) => m.groupId,
    (m) => m.objectId,
  );
  const subsOf = listsBy(
    subRows,
    (s) => s.groupId,
    (s) => s.memberGroupId,
  );
  const approved = listsBy(
    await db
      .select({ accountId: accountDistribution.accountId, targetId: accountDistribution.targetId })
      .from(accountDistribution),
    (r) => r.accountId,
    (r) => r.targetId,
  );
  const runners: RunnerDef[] = [
    ...computerRows.map(
      (c): RunnerDef => ({ id: c.id, kind: 'agent', defaultActionAccountId: c.defaultActionAccountId }),
    ),
    ...poolRows.map((p): RunnerDef => ({ id: p.id, kind: 'pool', defaultActionAccountId: null })),
  ];
  return {
    classes: classRows,
    objects: objectRows,
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
  const [row] = await db.select(objectDefColumns).from(objects).where(eq(objects.id, id));
  return row ? objectDef(row) : undefined;
}

/** A committed change as the change feed reads it from the audit log. */
export interface FeedRecord {
  seq: number;
  kind: string;
  target: string | null;
}

/** The kinds of change whose target is an object, or a runner (computers and pools are objects too). */
const objectKinds = ['object.', 'computer.', 'pool.'];
const runnerKinds = ['computer.', 'pool.'];
const startsWithAny = (kind: string, prefixes: string[]) => prefixes.some((p) => kind.startsWith(p));

/**
 * The audit records after `afterSeq` (at most `limit`, in commit order), with the objects and runners their
 * targets name as they are now. Each object or runner a record names is in the answer, undefined when it no
 * longer exists. A page naming no object (alerts, accounts, most writes) is one query on the log alone; the
 * objects a page names are read by id in a second. Read after the page, an object may already show a change whose
 * record is on the next page: that record is applied again with it then, as every record is applied with its
 * target as it is when read.
 */
// The catch-up runs after every change committed: its two queries are prepared once per database.
const recordsAfter = preparedPerExecutor((db) =>
  db
    .select({ seq: auditLog.seq, kind: auditLog.kind, target: auditLog.target })
    .from(auditLog)
    .where(gt(auditLog.seq, sql.placeholder('after')))
    .orderBy(asc(auditLog.seq))
    .limit(sql.placeholder('limit'))
    .prepare('steward_changes_after'),
);

const objectsNamed = preparedPerExecutor((db) =>
  db
    .select({
      object: objectDefColumns,
      computerId: computers.id,
      defaultActionAccountId: computers.defaultActionAccountId,
      poolId: pools.id,
    })
    .from(objects)
    .leftJoin(computers, eq(computers.id, objects.id))
    .leftJoin(pools, eq(pools.id, objects.id))
    .where(sql`${objects.id} = ANY(${sql.placeholder('ids')})`)
    .prepare('steward_changed_objects'),
);

export async function loadChangesAfter(
  db: Executor,
  afterSeq: number,
  limit: number,
): Promise<{
  records: FeedRecord[];
  objects: Map<string, ObjectDef | undefined>;
  runners: Map<string, RunnerDef | undefined>;
}> {
  const records = await recordsAfter(db).execute({ after: afterSeq, limit });
  const found = {
    records,
    objects: new Map<string, ObjectDef | undefined>(),
    runners: new Map<string, RunnerDef | undefined>(),
  };
  const named = records.filter(
    (r): r is FeedRecord & { target: string } => !!r.target && startsWithAny(r.kind, objectKinds),
  );
  if (!named.length) return found;
  const rows = await objectsNamed(db).execute({ ids: [...new Set(named.map((r) => r.target))] });
  const byId = new Map(rows.map((r) => [r.object.id, r]));
  for (const r of named) {
    const row = byId.get(r.target);
    found.objects.set(r.target, row ? objectDef(row.object) : undefined);
    if (!startsWithAny(r.kind, runnerKinds)) continue;
    found.runners.set(
      r.target,
      row?.computerId
        ? { id: r.target, kind: 'agent', defaultActionAccountId: row.defaultActionAccountId }
        : row?.poolId
          ? { id: r.target, kind: 'pool', defaultActionAccountId: null }
          : undefined,
    );
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
