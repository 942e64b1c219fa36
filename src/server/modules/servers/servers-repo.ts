// Management servers and their heartbeat rows: the basis of pool membership.
import { and, asc, desc, eq, gt, isNull } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { managementServers } from '../../../store/schema.js';

export type ServerRow = typeof managementServers.$inferSelect;

export const insertServer = (db: Executor, row: typeof managementServers.$inferInsert) =>
  db.insert(managementServers).values(row);

export const heartbeat = (db: Executor, id: string, at: Date) =>
  db.update(managementServers).set({ heartbeatAt: at, stoppedAt: null }).where(eq(managementServers.id, id));

export const markStopped = (db: Executor, id: string, at: Date) =>
  db.update(managementServers).set({ stoppedAt: at }).where(eq(managementServers.id, id));

export const findServer = async (db: Executor, id: string) =>
  (await db.select().from(managementServers).where(eq(managementServers.id, id)))[0];

export const setActionAccount = (db: Executor, id: string, accountId: string | null) =>
  db.update(managementServers).set({ defaultActionAccountId: accountId }).where(eq(managementServers.id, id));

/**
 * The default action account of the latest earlier run of the server with this name: a server is known by its
 * name across restarts (each run has its own id), so a restarted server keeps the account it was given.
 */
export const latestActionAccountOf = async (db: Executor, name: string) =>
  (
    await db
      .select({ accountId: managementServers.defaultActionAccountId })
      .from(managementServers)
      .where(eq(managementServers.name, name))
      .orderBy(desc(managementServers.startedAt))
      .limit(1)
  )[0]?.accountId ?? null;

/** Servers whose default action account this is. */
export const serversUsingAsDefault = (db: Executor, accountId: string) =>
  db
    .select({ id: managementServers.id, name: managementServers.name })
    .from(managementServers)
    .where(eq(managementServers.defaultActionAccountId, accountId));

export const listServers = (db: Executor) =>
  db.select().from(managementServers).orderBy(asc(managementServers.startedAt));

/** Servers alive now: a heartbeat within the timeout and not stopped. */
export const listLiveServers = (db: Executor, since: Date) =>
  db
    .select()
    .from(managementServers)
    .where(and(gt(managementServers.heartbeatAt, since), isNull(managementServers.stoppedAt)))
    .orderBy(asc(managementServers.startedAt));
