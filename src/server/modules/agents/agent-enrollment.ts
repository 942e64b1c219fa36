// Agents joining and leaving: enrollment tokens, enrollment (by single-use token, or pending an administrator's
// approval), approval and revocation; the agent's computer registered on the way, every step audited.
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { AgentStatus, createEnrollmentTokenBody, enrollBody } from '../../../contract/agents.js';
import { newId } from '../../../contract/ids.js';
import { importPublicKey, keyFingerprint } from '../../../crypto/agent-keys.js';
import { hashToken } from '../../../crypto/passwords.js';
import { COMPUTER_CLASS } from '../../../domain/inventory/class-tree.js';
import { type AgentPlatform, platformClass } from '../../../domain/inventory/platform.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import { isUniqueViolation } from '../inventory/inventory-shared.js';
import * as inventory from '../inventory/objects-repo.js';
import * as repo from './agents-repo.js';

export const ENROLLMENT_TOKEN_PREFIX = 'stw_enroll_';

/** The audit actor of an agent's own requests. */
export const agentActor = (agentId: string) => `agent:${agentId}`;

export const unauthenticated = (message: string) =>
  new AppError('UNAUTHENTICATED', message, undefined, { 'www-authenticate': 'Agent' });

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

  /** Registers a computer for an agent, in the caller's transaction, audited like any other registration. */
  async function registerComputer(
    tx: Tx,
    id: string,
    name: string,
    actor: string,
    platform: AgentPlatform | null,
  ) {
    // The class of its operating system (Windows, Linux), keyed by its name as SCOM keys computers.
    const classId = platformClass(platform);
    await inventory.insertObject(tx, {
      id,
      classId,
      name,
      displayName: name,
      properties: classId === COMPUTER_CLASS ? {} : { PrincipalName: name },
      hostId: null,
    });
    await inventory.insertComputer(tx, { id, name, defaultActionAccountId: null });
    await appendAudit(tx, {
      actor,
      kind: 'computer.create',
      target: id,
      details: { name, classId, defaultActionAccountId: null, by: 'agent-enrollment' },
    });
  }

  /** A computer registered before its agent, as a plain System.Computer, takes the class of the reported OS. */
  async function refineComputerClass(tx: Tx, id: string, actor: string, platform: AgentPlatform | null) {
    const classId = platformClass(platform);
    const c = await inventory.findComputer(tx, id);
    if (!c || classId === COMPUTER_CLASS || c.object.classId !== COMPUTER_CLASS) return;
    const properties = {
      PrincipalName: c.computer.name,
      ...(c.object.properties as Record<string, unknown>),
    };
    await inventory.updateObject(tx, id, { classId, properties });
    await appendAudit(tx, {
      actor,
      kind: 'computer.update',
      target: id,
      details: { classId, previousClassId: COMPUTER_CLASS, platform, by: 'agent-enrollment' },
    });
  }

  async function mustFindAgent(tx: Tx, idOrName: string) {
    const row =
      (await repo.findAgentForUpdate(tx, idOrName)) ?? (await repo.findAgentByComputerName(tx, idOrName));
    if (!row) throw notFound('Agent', idOrName);
    return row;
  }

  async function enrollWithToken(tx: Tx, body: z.infer<typeof enrollBody>, token: string) {
    const at = now();
    const row = await repo.lockEnrollmentToken(tx, hashToken(token));
    if (!row || row.usedAt || row.expiresAt.getTime() <= at.getTime())
      throw unauthenticated('The enrollment token is unknown, already used or expired: ask for a new one.');
    let name = row.computerName ?? '';
    let id: string | undefined;
    if (row.computerId) {
      const c = await inventory.findComputer(tx, row.computerId);
      name = c?.computer.name ?? '';
      id = c?.computer.id;
    } else {
      id = (await inventory.findComputerByName(tx, name))?.id;
    }
    if (name.toLowerCase() !== body.computerName.toLowerCase())
      throw unauthenticated('This enrollment token was made for another computer.');
    let agent = id ? await repo.findAgentForUpdate(tx, id) : undefined;
    if (agent?.status === 'approved')
      throw new AppError(
        'CONFLICT',
        `Computer '${name}' already has an approved agent: revoke it first to enroll another.`,
      );
    if (!id) {
      // An earlier request for this name (pending or revoked) keeps its id: the token settles it.
      agent = await repo.findAgentByComputerName(tx, name);
      id = agent?.id ?? newId('computer');
      await registerComputer(tx, id, name, agentActor(id), body.platform ?? null);
    } else {
      await refineComputerClass(tx, id, agentActor(id), body.platform ?? null);
    }
    const actor = agentActor(id);
    const values = {
      computerName: name,
      signingPublicKey: body.signingPublicKey,
      sealingPublicKey: body.sealingPublicKey,
      status: 'approved' as const,
      enrolledAt: at,
      lastSeenAt: null,
      platform: body.platform ?? null,
    };
    if (agent) await repo.updateAgent(tx, id, values);
    else await repo.insertAgent(tx, { id, ...values });
    await repo.markTokenUsed(tx, row.id, at);
    await appendAudit(tx, {
      actor,
      kind: 'agent.enroll',
      target: id,
      details: {
        computerName: name,
        status: 'approved',
        enrollmentTokenId: row.id,
        tokenCreatedBy: row.createdBy,
        signingKeyFingerprint: keyFingerprint(body.signingPublicKey),
      },
    });
    return { agentId: id, status: 'approved' as AgentStatus };
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
    async createEnrollmentToken(p: Principal, body: z.infer<typeof createEnrollmentTokenBody>) {
      const token = `${ENROLLMENT_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const expiresAt = new Date(now().getTime() + body.expiresInMinutes * 60_000);
      return db.transaction(async (tx) => {
        const computer = await inventory.findComputerByName(tx, body.computerName);
        if (computer && (await repo.findAgent(tx, computer.id))?.status === 'approved')
          throw new AppError(
            'CONFLICT',
            `Computer '${body.computerName}' already has an approved agent: revoke it first to enroll another.`,
            [{ path: 'body.computerName', message: 'has an approved agent' }],
          );
        const row = await repo.insertEnrollmentToken(tx, {
          id: `enr_${randomBytes(12).toString('hex')}`,
          tokenHash: hashToken(token),
          computerId: computer?.id ?? null,
          computerName: computer ? null : body.computerName,
          createdBy: actorOf(p),
          expiresAt,
        });
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'agent.token.create',
          target: row.id,
          details: {
            computerId: row.computerId,
            computerName: body.computerName,
            expiresAt: expiresAt.toISOString(),
          },
        });
        return {
          id: row.id,
          token,
          computerId: row.computerId,
          computerName: body.computerName,
          expiresAt,
        };
      });
    },

    async enroll(body: z.infer<typeof enrollBody>) {
      checkKeys(body);
      try {
        const out = await db.transaction((tx) =>
          body.token ? enrollWithToken(tx, body, body.token) : enrollPending(tx, body),
        );
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
          if (!(await inventory.findComputer(tx, agent.id))) {
            const other = await inventory.findComputerByName(tx, agent.computerName);
            if (other)
              throw new AppError(
                'CONFLICT',
                `A computer named '${agent.computerName}' was registered after this agent asked to enroll: revoke this request and enroll the agent with a token for that computer.`,
              );
            await registerComputer(
              tx,
              agent.id,
              agent.computerName,
              actorOf(p),
              (agent.platform as AgentPlatform | null) ?? null,
            );
          } else {
            await refineComputerClass(
              tx,
              agent.id,
              actorOf(p),
              (agent.platform as AgentPlatform | null) ?? null,
            );
          }
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
