// Agents joining and leaving: enrollment tokens, enrollment (by single-use token, or pending an administrator's
// approval), approval and revocation; the agent's computer registered on the way, every step audited.
import type { z } from 'zod';
import type { AgentStatus, createEnrollmentTokenBody, enrollBody } from '../../../contract/agents.js';
import { newId } from '../../../contract/ids.js';
import { importPublicKey, keyFingerprint } from '../../../crypto/agent-keys.js';
import type { AgentPlatform } from '../../../domain/inventory/platform.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit, appendAuditBatch } from '../audit/audit-repo.js';
import { isUniqueViolation } from '../inventory/inventory-shared.js';
import * as inventory from '../inventory/objects-repo.js';
import { agentActor } from './agent-identity.js';
import * as repo from './agents-repo.js';
import { newComputer, refineComputerClass, registerComputers } from './computer-registration.js';
import { createTokenEnrollment } from './token-enrollment.js';

export interface AgentEnrollmentDeps {
  db: Db;
  now: () => Date;
  /** Token-less enrollments waiting for approval at most. */
  maxPending: number;
  /** The agent's row changed on this server: what is kept of it in memory is stale. */
  changed(agentId: string): void;
  /** The agent was revoked on this server: its row changed, and its waiting long-poll ends with the refusal. */
  revoked(agentId: string): void;
}

export function createAgentEnrollment(d: AgentEnrollmentDeps) {
  const { db, now, maxPending } = d;
  const withToken = createTokenEnrollment({ db, now });

  function checkKeys(body: { signingPublicKey: string; sealingPublicKey: string }) {
    const issues: { path: string; message: string }[] = [];
    for (const [field, type] of [
      ['signingPublicKey', 'ed25519'],
      ['sealingPublicKey', 'x25519'],
    ] as const) {
      try {
        importPublicKey(body[field], type);
      } catch (err) {
        issues.push({ path: `body.${field}`, message: (err as Error).message });
      }
    }
    if (issues.length)
      throw new AppError('VALIDATION_FAILED', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
  }

  async function mustFindAgent(tx: Tx, idOrName: string) {
    const row =
      (await repo.findAgentForUpdate(tx, idOrName)) ?? (await repo.findAgentByComputerName(tx, idOrName));
    if (!row) throw notFound('Agent', idOrName);
    return row;
  }

  async function enrollPending(tx: Tx, body: z.infer<typeof enrollBody>) {
    const computer = await inventory.findComputerByName(tx, body.computerName);
    const agent = computer
      ? await repo.findAgentForUpdate(tx, computer.id)
      : await repo.findAgentByComputerName(tx, body.computerName);
    if (agent?.status === 'approved')
      throw new AppError(
        'CONFLICT',
        `Computer '${agent.computerName}' already has an approved agent: revoke it first to enroll another.`,
      );
    if (agent?.status === 'pending')
      throw new AppError(
        'CONFLICT',
        `An agent for '${agent.computerName}' is already awaiting approval: an administrator approves or revokes it.`,
      );
    // Token-less enrollment needs no secret: its queue is bounded, so nobody can flood it.
    if ((await repo.countPending(tx)) >= maxPending)
      throw new AppError(
        'TOO_MANY_REQUESTS',
        `${maxPending} agents already await approval: an administrator approves or revokes them first, or enroll with a token (steward agent token create).`,
      );
    const id = agent?.id ?? computer?.id ?? newId('computer');
    const values = {
      computerName: agent?.computerName ?? body.computerName,
      signingPublicKey: body.signingPublicKey,
      sealingPublicKey: body.sealingPublicKey,
      status: 'pending' as const,
      enrolledAt: now(),
      lastSeenAt: null,
      platform: body.platform ?? null,
    };
    if (agent) await repo.updateAgent(tx, id, values);
    else await repo.insertAgent(tx, { id, ...values });
    await appendAudit(tx, {
      actor: agentActor(id),
      kind: 'agent.enroll',
      target: id,
      details: {
        computerName: values.computerName,
        status: 'pending',
        signingKeyFingerprint: keyFingerprint(body.signingPublicKey),
      },
    });
    return { agentId: id, status: 'pending' as AgentStatus };
  }

  return {
    createEnrollmentToken: (p: Principal, body: z.infer<typeof createEnrollmentTokenBody>) =>
      withToken.createToken(p, body),

    async enroll(body: z.infer<typeof enrollBody>) {
      checkKeys(body);
      try {
        const out = body.token
          ? await withToken.enroll(body, body.token)
          : await db.transaction((tx) => enrollPending(tx, body));
        d.changed(out.agentId);
        return out;
      } catch (err) {
        if (isUniqueViolation(err))
          throw new AppError(
            'CONFLICT',
            `Another enrollment for '${body.computerName}' happened at the same time: try again.`,
          );
        throw err;
      }
    },

    /** Approves a pending agent, registering its computer (under the agent's id) when it is not yet. */
    async approve(p: Principal, idOrName: string) {
      try {
        const id = await db.transaction(async (tx) => {
          const agent = await mustFindAgent(tx, idOrName);
          if (agent.status !== 'pending')
            throw new AppError(
              'CONFLICT',
              agent.status === 'approved'
                ? `Agent '${agent.computerName}' is already approved.`
                : `Agent '${agent.computerName}' was revoked: it must enroll again.`,
            );
          const platform = (agent.platform as AgentPlatform | null) ?? null;
          const computer = await inventory.findComputer(tx, agent.id);
          if (!computer) {
            const other = await inventory.findComputerByName(tx, agent.computerName);
            if (other)
              throw new AppError(
                'CONFLICT',
                `A computer named '${agent.computerName}' was registered after this agent asked to enroll: revoke this request and enroll the agent with a token for that computer.`,
              );
          }
          await appendAuditBatch(
            tx,
            computer
              ? await refineComputerClass(tx, computer, actorOf(p), platform)
              : await registerComputers(tx, [
                  newComputer(agent.id, agent.computerName, actorOf(p), platform),
                ]),
          );
          await repo.updateAgent(tx, agent.id, { status: 'approved' });
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'agent.approve',
            target: agent.id,
            details: { computerName: agent.computerName },
          });
          return agent.id;
        });
        d.changed(id);
        return id;
      } catch (err) {
        if (isUniqueViolation(err))
          throw new AppError('CONFLICT', `A computer named '${idOrName}' was registered at the same time.`);
        throw err;
      }
    },

    async revoke(p: Principal, idOrName: string) {
      const id = await db.transaction(async (tx) => {
        const agent = await mustFindAgent(tx, idOrName);
        if (agent.status === 'revoked')
          throw new AppError('CONFLICT', `Agent '${agent.computerName}' is already revoked.`);
        await repo.updateAgent(tx, agent.id, { status: 'revoked' });
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'agent.revoke',
          target: agent.id,
          details: { computerName: agent.computerName, was: agent.status },
        });
        return agent.id;
      });
      d.revoked(id);
      return id;
    },
  };
}
