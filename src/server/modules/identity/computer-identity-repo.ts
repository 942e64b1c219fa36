// Computers' own identities in the database (R64): the identity row of an agent, and the worker groups that
// turn it on for their agents.
import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { computerIdentities, hybridWorkerGroupAgents, hybridWorkerGroups } from '../../../store/schema.js';

export type ComputerIdentityRow = typeof computerIdentities.$inferSelect;

export const findComputerIdentity = async (db: Executor, agentId: string) =>
  (await db.select().from(computerIdentities).where(eq(computerIdentities.agentId, agentId)))[0];

/** The agent's identity row, made (new principal and client ids, off) when it has none. */
export async function ensureComputerIdentity(db: Executor, agentId: string): Promise<ComputerIdentityRow> {
  await db
    .insert(computerIdentities)
    .values({ agentId, principalId: randomUUID(), clientId: randomUUID() })
    .onConflictDoNothing();
  return (await findComputerIdentity(db, agentId))!;
}

export const setComputerEnabled = async (db: Executor, agentId: string, enabled: boolean) =>
  (
    await db
      .update(computerIdentities)
      .set({ enabled, updatedAt: new Date() })
      .where(eq(computerIdentities.agentId, agentId))
      .returning()
  )[0]!;

/** The worker groups of this agent that turn its computer identity on. */
export const groupsGranting = (db: Executor, agentId: string) =>
  db
    .select({ id: hybridWorkerGroups.id, name: hybridWorkerGroups.name })
    .from(hybridWorkerGroupAgents)
    .innerJoin(hybridWorkerGroups, eq(hybridWorkerGroups.id, hybridWorkerGroupAgents.groupId))
    .where(and(eq(hybridWorkerGroupAgents.agentId, agentId), eq(hybridWorkerGroups.computerIdentity, true)))
    .orderBy(asc(hybridWorkerGroups.name));

export const setGroupComputerIdentity = async (db: Executor, groupId: string, enabled: boolean) =>
  (
    await db
      .update(hybridWorkerGroups)
      .set({ computerIdentity: enabled, updatedAt: new Date() })
      .where(eq(hybridWorkerGroups.id, groupId))
      .returning()
  )[0];
