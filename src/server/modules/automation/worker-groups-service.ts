// Hybrid worker groups: named sets of agents of the management group that run jobs, managed by administrators
// and authors. A group may name a Run As account (of the SCOM half) that its jobs run as; the account is never
// handed to an agent it is not distributed to (that is the claim's business, see hybrid-jobs-service.ts).
import type { z } from 'zod';
import {
  type createWorkerGroupBody,
  runAsAccountTypes,
  type updateWorkerGroupBody,
} from '../../../contract/hybrid-workers.js';
import { newId } from '../../../contract/ids.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { findAccount } from '../accounts/accounts-repo.js';
import { findAgent, findAgentByComputerName } from '../agents/agents-repo.js';
import { appendAudit } from '../audit/audit-repo.js';
import { nameTaken, uniquely } from './automation-shared.js';
import * as repo from './worker-groups-repo.js';

export interface WorkerGroupsServiceDeps {
  db: Db;
  /** An agent not heard from for this long is not available; default 60 s. */
  missedHeartbeatMs?: number;
  /**
   * Settles once the contacts of agents noted on this server are written: one that just called shows available.
   * Never awaited inside a transaction: the write would wait on it.
   */
  contactsWritten?: () => Promise<void>;
  now?: () => Date;
}

export type WorkerGroupsService = ReturnType<typeof createWorkerGroupsService>;

export interface WorkerView {
  agentId: string;
  computerName: string;
  status: string;
  lastSeenAt: Date | null;
  available: boolean;
  addedAt: Date;
  addedBy: string;
}

export type WorkerGroupView = repo.WorkerGroupRow & { workers: WorkerView[] };

export function createWorkerGroupsService(d: WorkerGroupsServiceDeps) {
  const { db } = d;
  const now = d.now ?? (() => new Date());
  const missedHeartbeatMs = d.missedHeartbeatMs ?? 60_000;
  const taken = (name: string) => () => nameTaken('A hybrid worker group', name);

  async function views(db2: Db | Tx, rows: repo.WorkerGroupRow[]): Promise<WorkerGroupView[]> {
    const members = await repo.workersOf(
      db2,
      rows.map((r) => r.id),
    );
    const at = now().getTime();
    return rows.map((g) => ({
      ...g,
      workers: members
        .filter((m) => m.member.groupId === g.id)
        .map(({ member, agent }) => ({
          agentId: agent.id,
          computerName: agent.computerName,
          status: agent.status,
          lastSeenAt: agent.lastSeenAt,
          available:
            agent.status === 'approved' &&
            !!agent.lastSeenAt &&
            agent.lastSeenAt.getTime() > at - missedHeartbeatMs,
          addedAt: member.addedAt,
          addedBy: member.addedBy,
        })),
    }));
  }

  async function mustFind(db2: Db | Tx, id: string) {
    const row = await repo.findGroup(db2, id);
    if (!row) throw notFound('Hybrid worker group', id);
    return row;
  }

  /** A Run As account jobs can run as: it exists and has a user name (and, for most types, a password). */
  async function checkRunAs(db2: Db | Tx, accountId: string) {
    const account = await findAccount(db2, accountId);
    if (!account)
      throw new AppError('NOT_FOUND', `Run As account '${accountId}' was not found.`, [
        { path: 'body.runAsAccountId', message: 'no such Run As account' },
      ]);
    if (!(runAsAccountTypes as readonly string[]).includes(account.type))
      throw new AppError(
        'RULE_VIOLATION',
        `Run As account '${account.name}' is a ${account.type} account: a hybrid worker group runs as one with a user name and password (${runAsAccountTypes.join(', ')}).`,
        [{ path: 'body.runAsAccountId', message: `is a ${account.type} account` }],
      );
    return account;
  }

  async function agentByRef(db2: Db | Tx, ref: string) {
    const agent = (await findAgent(db2, ref)) ?? (await findAgentByComputerName(db2, ref));
    if (!agent)
      throw new AppError('NOT_FOUND', `There is no agent '${ref}'.`, [
        { path: 'body.agentId', message: 'no such agent' },
      ]);
    return agent;
  }

  return {
    // Reads outside a transaction write the contacts noted so far first (inside one they would wait on it).
    async list() {
      await d.contactsWritten?.();
      return views(db, await repo.listGroups(db));
    },

    async get(id: string) {
      await d.contactsWritten?.();
      return (await views(db, [await mustFind(db, id)]))[0]!;
    },

    async create(p: Principal, body: z.infer<typeof createWorkerGroupBody>) {
      return uniquely(
        () =>
          db.transaction(async (tx) => {
            if (await repo.findGroupByName(tx, body.name)) throw taken(body.name)();
            if (body.runAsAccountId) await checkRunAs(tx, body.runAsAccountId);
            const row = await repo.insertGroup(tx, {
              id: newId('workerGroup'),
              name: body.name,
              description: body.description ?? '',
              runAsAccountId: body.runAsAccountId ?? null,
            });
            await appendAudit(tx, {
              actor: actorOf(p),
              kind: 'worker-group.create',
              target: row.id,
              details: { name: row.name, runAsAccountId: row.runAsAccountId },
            });
            return (await views(tx, [row]))[0]!;
          }),
        taken(body.name),
      );
    },

    async update(p: Principal, id: string, body: z.infer<typeof updateWorkerGroupBody>) {
      return uniquely(
        () =>
          db.transaction(async (tx) => {
            const row = await mustFind(tx, id);
            if (body.name && body.name !== row.name && (await repo.findGroupByName(tx, body.name)))
              throw taken(body.name)();
            if (body.runAsAccountId) await checkRunAs(tx, body.runAsAccountId);
            const next = await repo.updateGroup(tx, id, {
              ...(body.name !== undefined ? { name: body.name } : {}),
              ...(body.description !== undefined ? { description: body.description } : {}),
              ...(body.runAsAccountId !== undefined ? { runAsAccountId: body.runAsAccountId } : {}),
              updatedAt: now(),
            });
            await appendAudit(tx, {
              actor: actorOf(p),
              kind: 'worker-group.update',
              target: id,
              details: { changed: Object.keys(body), name: next!.name, runAsAccountId: next!.runAsAccountId },
            });
            return (await views(tx, [next!]))[0]!;
          }),
        taken(body.name ?? ''),
      );
    },

    /** Refused while the group has jobs that have not ended: they would have nowhere to run. */
    async remove(p: Principal, id: string) {
      await db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        const jobs = await repo.unfinishedJobsOf(tx, id);
        if (jobs.length)
          throw new AppError(
            'IN_USE',
            `Hybrid worker group '${row.name}' has ${jobs.length} job(s) that have not ended (${jobs
              .slice(0, 5)
              .map((j) => `${j.id} ${j.status}`)
              .join(', ')}): stop them first.`,
            jobs.slice(0, 20).map((j) => ({ path: 'jobs', message: j.id })),
          );
        await repo.deleteGroup(tx, id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'worker-group.delete',
          target: id,
          details: { name: row.name },
        });
      });
    },

    async addWorker(p: Principal, id: string, agentRef: string) {
      return db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        const agent = await agentByRef(tx, agentRef);
        const added = await repo.addWorker(tx, { groupId: id, agentId: agent.id, addedBy: actorOf(p) });
        if (added)
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'worker-group.add-agent',
            target: id,
            details: { agent: agent.id, computerName: agent.computerName },
          });
        return (await views(tx, [row]))[0]!;
      });
    },

    /** Jobs the agent runs now go on there; it claims no new ones of this group. */
    async removeWorker(p: Principal, id: string, agentRef: string) {
      return db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        const agent = (await findAgent(tx, agentRef)) ?? (await findAgentByComputerName(tx, agentRef));
        if (!agent || !(await repo.removeWorker(tx, id, agent.id)))
          throw new AppError('NOT_FOUND', `Agent '${agentRef}' is not in hybrid worker group '${row.name}'.`);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'worker-group.remove-agent',
          target: id,
          details: { agent: agent.id, computerName: agent.computerName },
        });
        return (await views(tx, [row]))[0]!;
      });
    },
  };
}
