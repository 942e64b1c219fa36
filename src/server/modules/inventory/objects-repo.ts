// Objects, computers and their hosting in the database; the recursive walks up and down hosting chains.
import { and, asc, eq, gt, ilike, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { computers, objects } from '../../../store/schema.js';
import { CLASS_GENERATION } from './classes-repo.js';

export type ObjectRow = typeof objects.$inferSelect;
export type ComputerRow = typeof computers.$inferSelect;
export type ComputerWithObject = { object: ObjectRow; computer: ComputerRow };

/** Hosting chains are short; this bounds the walk up should a cycle ever be written by hand. */
const MAX_DEPTH = 64;

export const findObject = async (db: Executor, id: string) =>
  (await db.select().from(objects).where(eq(objects.id, id)))[0];

export const findObjects = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select()
        .from(objects)
        .where(inArray(objects.id, [...ids]))
    : Promise.resolve([]);

/** Which of `ids` name an object, and the class generation, as one statement sees them. */
export async function existingAndClassGeneration(db: Executor, ids: readonly string[]) {
  const { rows } = (await db.execute(
    sql`SELECT ${CLASS_GENERATION} AS generation,
          ARRAY(SELECT id FROM objects WHERE id IN (${sql.join(
            ids.map((id) => sql`${id}`),
            sql`, `,
          )})) AS existing`,
  )) as unknown as { rows: { generation: string; existing: string[] }[] };
  return { generation: rows[0]!.generation, existing: new Set(rows[0]!.existing) };
}

export const findHostedByName = async (db: Executor, hostId: string, classId: string, name: string) =>
  (
    await db
      .select({ id: objects.id })
      .from(objects)
      .where(and(eq(objects.hostId, hostId), eq(objects.classId, classId), eq(objects.name, name)))
  )[0];

/** The objects one discovery found for one object it ran for. */
export const findDiscovered = (db: Executor, discoveryId: string, sourceId: string) =>
  db
    .select({ id: objects.id, name: objects.name })
    .from(objects)
    .where(and(eq(objects.discoveryId, discoveryId), eq(objects.discoverySourceId, sourceId)))
    .orderBy(asc(objects.id));

/** Everything hosted below `rootId`, directly or through a chain (UNION ends the walk on a cycle). */
const hostedBelow = (rootId: string): SQL =>
  sql`${objects.id} IN (WITH RECURSIVE sub(id) AS (
        SELECT id FROM objects WHERE host_id = ${rootId}
        UNION SELECT o.id FROM objects o JOIN sub ON o.host_id = sub.id)
      SELECT id FROM sub)`;

export interface ObjectFilter {
  classIds?: string[];
  hostId?: string;
  underId?: string;
  search?: string;
  afterId?: string;
  limit: number;
}

/** Name or display name contains `text`, ignoring case; `%`, `_` and a backslash match themselves. */
function nameContains(text: string) {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return or(ilike(objects.name, pattern), ilike(objects.displayName, pattern));
}

export const listObjects = (db: Executor, f: ObjectFilter) =>
  db
    .select()
    .from(objects)
    .where(
      and(
        f.classIds ? inArray(objects.classId, f.classIds) : undefined,
        f.hostId ? eq(objects.hostId, f.hostId) : undefined,
        f.underId ? hostedBelow(f.underId) : undefined,
        f.search ? nameContains(f.search) : undefined,
        f.afterId ? gt(objects.id, f.afterId) : undefined,
      ),
    )
    .orderBy(asc(objects.id))
    .limit(f.limit);

/** The object and its hosts up the chain, in no particular order. */
export const selfAndHosts = (db: Executor, id: string) => selvesAndHosts(db, [id]);

/** Objects and their hosts up the chains, in no particular order: one query for them all. */
export const selvesAndHosts = (db: Executor, ids: readonly string[]) =>
  db
    .select()
    .from(objects)
    .where(
      sql`${objects.id} IN (WITH RECURSIVE up(id, host_id, depth) AS (
            SELECT id, host_id, 0 FROM objects WHERE id IN (${sql.join(
              ids.map((id) => sql`${id}`),
              sql`, `,
            )})
            UNION ALL SELECT o.id, o.host_id, up.depth + 1 FROM objects o JOIN up ON o.id = up.host_id
            WHERE up.depth < ${MAX_DEPTH})
          SELECT id FROM up)`,
    );

/** From rows `selvesAndHosts` read: the object `id` and its hosts up the chain (as `selfAndHosts` answers). */
export function chainIn(rows: ReadonlyMap<string, ObjectRow>, id: string): ObjectRow[] {
  const chain: ObjectRow[] = [];
  const seen = new Set<string>();
  for (let cur = rows.get(id); cur && !seen.has(cur.id) && chain.length <= MAX_DEPTH; ) {
    seen.add(cur.id);
    chain.push(cur);
    cur = cur.hostId === null ? undefined : rows.get(cur.hostId);
  }
  return chain;
}

export const hostedSubtreeRows = (db: Executor, rootId: string) =>
  db.select({ id: objects.id, hostId: objects.hostId }).from(objects).where(hostedBelow(rootId));

export const hostsAny = async (db: Executor, id: string) =>
  (await db.select({ id: objects.id }).from(objects).where(eq(objects.hostId, id)).limit(1)).length > 0;

/** The columns of an object that resolution and group membership read: not its discovery or timestamps. */
export const objectDefColumns = {
  id: objects.id,
  classId: objects.classId,
  hostId: objects.hostId,
  name: objects.name,
  displayName: objects.displayName,
  properties: objects.properties,
};

/** Every object, with only what group membership reads. */
export const listForMembership = (db: Executor) => db.select(objectDefColumns).from(objects);

export type NewObjectRow = typeof objects.$inferInsert;

export const insertObject = async (db: Executor, row: NewObjectRow) =>
  (await db.insert(objects).values(row).returning())[0]!;

/** A new object as `insertUnlessTaken` writes it: no discovery found it. */
export type NewObject = Pick<ObjectRow, 'id' | 'classId' | 'name' | 'displayName' | 'properties'> & {
  hostId: string;
};

/**
 * The statement that inserts `rows` but those whose host already has an object of their class by that name,
 * returning the ids and times of those inserted: the rows as one JSON parameter taken apart by the database.
 */
export const insertUnlessTaken = (rows: readonly NewObject[]) => sql`
  INSERT INTO objects (id, class_id, name, display_name, properties, host_id)
  SELECT id, class_id, name, display_name, properties, host_id
  FROM jsonb_to_recordset(${JSON.stringify(
    rows.map((r) => ({
      id: r.id,
      class_id: r.classId,
      name: r.name,
      display_name: r.displayName,
      properties: r.properties,
      host_id: r.hostId,
    })),
  )}::jsonb) AS r(id text, class_id text, name text, display_name text, properties jsonb, host_id text)
  ON CONFLICT DO NOTHING
  RETURNING id, created_at AS "createdAt", updated_at AS "updatedAt"`;

/** What `insertUnlessTaken` returns for each object inserted. */
export interface Inserted {
  id: string;
  createdAt: string;
  updatedAt: string;
}

export const updateObject = async (db: Executor, id: string, patch: Partial<typeof objects.$inferInsert>) =>
  (
    await db
      .update(objects)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(objects.id, id))
      .returning()
  )[0];

export const deleteObjects = (db: Executor, ids: readonly string[]) =>
  db.delete(objects).where(inArray(objects.id, [...ids]));

// ---------------------------------------------------------------- computers

const computerSelect = { object: objects, computer: computers };

export const findComputer = async (db: Executor, id: string): Promise<ComputerWithObject | undefined> =>
  (
    await db
      .select(computerSelect)
      .from(computers)
      .innerJoin(objects, eq(objects.id, computers.id))
      .where(eq(computers.id, id))
  )[0];

export const findComputerByName = async (db: Executor, name: string) =>
  (
    await db
      .select({ id: computers.id })
      .from(computers)
      .where(sql`lower(${computers.name}) = ${name.toLowerCase()}`)
  )[0];

/** Registered computers with their objects, by id. */
export const findComputers = (db: Executor, ids: readonly string[]): Promise<ComputerWithObject[]> =>
  ids.length
    ? db
        .select(computerSelect)
        .from(computers)
        .innerJoin(objects, eq(objects.id, computers.id))
        .where(inArray(computers.id, [...ids]))
    : Promise.resolve([]);

/** Registered computers by name, whatever its case (migration 0033 indexes `lower(name)`). */
export const findComputersByNames = (
  db: Executor,
  names: readonly string[],
): Promise<ComputerWithObject[]> =>
  names.length
    ? db
        .select(computerSelect)
        .from(computers)
        .innerJoin(objects, eq(objects.id, computers.id))
        .where(
          inArray(
            sql`lower(${computers.name})`,
            names.map((n) => n.toLowerCase()),
          ),
        )
    : Promise.resolve([]);

export const listComputers = (db: Executor, f: { afterId?: string; limit: number }) =>
  db
    .select(computerSelect)
    .from(computers)
    .innerJoin(objects, eq(objects.id, computers.id))
    .where(f.afterId ? gt(computers.id, f.afterId) : undefined)
    .orderBy(asc(computers.id))
    .limit(f.limit);

/** Registers computers and their objects, two statements however many. */
export async function insertComputers(
  db: Executor,
  rows: readonly { object: NewObjectRow; computer: typeof computers.$inferInsert }[],
) {
  if (!rows.length) return;
  // One statement for both tables, the rows passed as one JSON parameter each: the objects, then the computers
  // that reference them (the foreign key is checked at the statement's end, when both are in).
  const objectRows = rows.map(({ object: o }) => ({
    id: o.id,
    class_id: o.classId,
    name: o.name,
    display_name: o.displayName,
    properties: o.properties ?? {},
    host_id: o.hostId ?? null,
  }));
  const computerRows = rows.map(({ computer: c }) => ({
    id: c.id,
    name: c.name,
    default_action_account_id: c.defaultActionAccountId ?? null,
  }));
  await db.execute(sql`
    WITH inserted AS (
      INSERT INTO objects (id, class_id, name, display_name, properties, host_id)
      SELECT id, class_id, name, display_name, properties, host_id
      FROM jsonb_to_recordset(${JSON.stringify(objectRows)}::jsonb) AS r(
        id text, class_id text, name text, display_name text, properties jsonb, host_id text)
      RETURNING id
    )
    INSERT INTO computers (id, name, default_action_account_id)
    SELECT c.id, c.name, c.default_action_account_id
    FROM jsonb_to_recordset(${JSON.stringify(computerRows)}::jsonb) AS c(
      id text, name text, default_action_account_id text)
    JOIN inserted USING (id)`);
}

export const insertComputer = async (db: Executor, row: typeof computers.$inferInsert) =>
  (await db.insert(computers).values(row).returning())[0]!;

export const updateComputer = (db: Executor, id: string, patch: Partial<typeof computers.$inferInsert>) =>
  db.update(computers).set(patch).where(eq(computers.id, id));
