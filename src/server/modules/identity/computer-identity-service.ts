// Computers' own identities (R64, the VM-identity analogue): off until an administrator turns one on for a
// computer or for a worker group (every agent in it); the principal is made the first time and kept. Every
// change is audited. The token service asks `resolve` whether an agent's computer has one now.
import type { ComputerIdentity } from '../../../contract/identities.js';
import type { Db } from '../../../store/db.js';
import { notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { findAgent } from '../agents/agents-repo.js';
import { appendAudit } from '../audit/audit-repo.js';
import { findGroup, workersOf } from '../automation/worker-groups-repo.js';
import * as repo from './computer-identity-repo.js';
import * as identityRepo from './identity-repo.js';
import type { ResolvedIdentity } from './token-service.js';

export const computerResourceId = (tenant: string, agentId: string) =>
  `/managementGroups/${tenant}/computers/${agentId}`;

export type ComputerIdentityService = ReturnType<typeof createComputerIdentityService>;

export function createComputerIdentityService(d: { db: Db }) {
  const { db } = d;

  async function show(agentId: string): Promise<ComputerIdentity> {
    const agent = await findAgent(db, agentId);
    if (!agent) throw notFound('Agent', agentId);
    const tenantId = await identityRepo.tenantId(db);
    const row = await repo.findComputerIdentity(db, agentId);
    const groups = await repo.groupsGranting(db, agentId);
    const direct = row?.enabled ?? false;
    return {
      agentId,
      computerName: agent.computerName,
      enabled: direct || groups.length > 0,
      direct,
      groups,
      principalId: row?.principalId ?? null,
      clientId: row?.clientId ?? null,
      resourceId: row ? computerResourceId(tenantId, agentId) : null,
      tenantId,
    };
  }

  return {
    show,

    /** Turns the computer's own identity on or off (its groups may still turn it on). */
    async setForComputer(p: Principal, agentId: string, enabled: boolean): Promise<ComputerIdentity> {
      await db.transaction(async (tx) => {
        const agent = await findAgent(tx, agentId);
        if (!agent) throw notFound('Agent', agentId);
        const before = await repo.findComputerIdentity(tx, agentId);
        const row = await repo.ensureComputerIdentity(tx, agentId);
        await repo.setComputerEnabled(tx, agentId, enabled);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'identity.computer.set',
          target: agentId,
          details: {
            computerName: agent.computerName,
            enabled,
            was: before?.enabled ?? false,
            principalId: row.principalId,
            principalCreated: !before,
          },
        });
      });
      return show(agentId);
    },

    /** Turns the computer identity of every agent of a worker group on or off. */
    async setForGroup(p: Principal, groupId: string, enabled: boolean) {
      return db.transaction(async (tx) => {
        const group = await findGroup(tx, groupId);
        if (!group) throw notFound('Worker group', groupId);
        const row = (await repo.setGroupComputerIdentity(tx, groupId, enabled))!;
        // The members' principals are made now, so that roles can be assigned to them at once.
        const members = enabled ? (await workersOf(tx, [groupId])).map((w) => w.agent.id) : [];
        for (const agentId of members) await repo.ensureComputerIdentity(tx, agentId);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'identity.worker-group.set',
          target: groupId,
          details: {
            name: group.name,
            computerIdentity: enabled,
            was: group.computerIdentity,
            agents: members,
          },
        });
        return { id: row.id, name: row.name, computerIdentity: row.computerIdentity };
      });
    },

    /** The agent's computer identity when it is on now (made the first time a group turned it on). */
    async resolve(agentId: string, tenantId: string): Promise<ResolvedIdentity | undefined> {
      let row = await repo.findComputerIdentity(db, agentId);
      if (!row?.enabled) {
        if (!(await repo.groupsGranting(db, agentId)).length) return undefined;
        row ??= await repo.ensureComputerIdentity(db, agentId);
      }
      return {
        id: agentId,
        principalId: row.principalId,
        clientId: row.clientId,
        resourceId: computerResourceId(tenantId, agentId),
        tenantId,
      };
    },
  };
}
