// Agents: enrollment (by single-use token or pending approval), assertion authentication, configuration
// long-polls and credentials sealed to the agent's own key, every delivery and refusal audited.

import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import {
  type AgentStatus,
  type createEnrollmentTokenBody,
  credentialAad,
  type enrollBody,
} from '../../../contract/agents.js';
import { newId } from '../../../contract/ids.js';
import {
  type AssertedRequest,
  assertionIssuer,
  importPublicKey,
  keyFingerprint,
  sealerTo,
  verifyAssertion,
} from '../../../crypto/agent-keys.js';
import { hashToken } from '../../../crypto/passwords.js';
import { COMPUTER_CLASS } from '../../../domain/inventory/class-tree.js';
import { type AgentPlatform, platformClass } from '../../../domain/inventory/platform.js';
import type { RunnerConfig } from '../../../domain/resolution/resolution-engine.js';
import { createBatcher } from '../../../store/batcher.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import type { AccountsService } from '../accounts/accounts-service.js';
import { type AuditEntry, appendAudit, appendAuditBatch } from '../audit/audit-repo.js';
import { isUniqueViolation } from '../inventory/inventory-shared.js';
import * as inventory from '../inventory/objects-repo.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import { createAgentCache } from './agent-cache.js';
import * as repo from './agents-repo.js';

export interface AgentsServiceDeps {
  db: Db;
  accounts: Pick<AccountsService, 'openCredentials'>;
  resolution: Pick<ResolutionService, 'latest' | 'onRunnersChanged' | 'onChange'>;
  /** An agent not heard from for this long is unavailable (default 60 s); last contact is kept finer than that. */
  missedHeartbeatMs?: number;
  /** Token-less enrollments waiting for approval at most; default 500. */
  maxPending?: number;
  now?: () => Date;
}

/** The agent behind a verified assertion. */
export interface AgentPrincipal {
  agentId: string;
  computerName: string;
  sealingKey: KeyObject;
  /** SHA-256 (base64url) of the body the assertion was made for: the body received must match it. */
  bodyDigest: string | undefined;
  /** Whether the agent is still approved now: a long-poll asks again after its wait. */
  stillApproved(): Promise<boolean>;
}

export type AuthOutcome =
  | { kind: 'ok'; agent: AgentPrincipal }
  | { kind: 'refused'; code: 'UNAUTHENTICATED' | 'AGENT_REVOKED'; message: string };

const REVOKED_MESSAGE = 'This agent was revoked: it must enroll again.';

export type ConfigOutcome = { kind: 'changed'; config: RunnerConfig } | { kind: 'unchanged'; tag: string };

export type AgentsService = ReturnType<typeof createAgentsService>;

export const ENROLLMENT_TOKEN_PREFIX = 'stw_enroll_';
const REPLAY_PURGE_INTERVAL_MS = 60_000;

export const agentActor = (agentId: string) => `agent:${agentId}`;

const unauthenticated = (message: string) =>
  new AppError('UNAUTHENTICATED', message, undefined, { 'www-authenticate': 'Agent' });

export function createAgentsService(d: AgentsServiceDeps) {
  const db = d.db;
  const now = d.now ?? (() => new Date());
  const missedHeartbeatMs = d.missedHeartbeatMs ?? 60_000;
  const maxPending = d.maxPending ?? 500;
  // Written at most this often per agent, yet often enough that a live agent never looks silent.
  const lastSeenIntervalMs = Math.min(10_000, Math.floor(missedHeartbeatMs / 4));
  let lastPurge = 0;

  const configs = new Map<string, RunnerConfig>();
  const cache = createAgentCache({ db, onChange: d.resolution.onChange, lastSeenIntervalMs });
  /**
   * The audit records of credential deliveries, appended for many requests at once when agents reconnect
   * together; each request answers only once its own records are committed.
   */
  const deliveryAudit = createBatcher(
    async (requests: AuditEntry[][]) => {
      await db.transaction((tx) => appendAuditBatch(tx, requests.flat()));
      return requests.map(() => undefined);
    },
    { maxBatch: 100 },
  );

  // One listener for every waiting long-poll: a change notice walks its runners once.
  /** Each waiting long-poll by agent; `revoked` ends it with the refusal. */
  const waiters = new Map<string, Set<(revoked?: boolean) => void>>();
  d.resolution.onRunnersChanged((runners) => {
    if (waiters.size === 0) return;
    for (const r of runners) for (const wake of waiters.get(r) ?? []) wake();
  });

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

    /** Settles once the contacts of agents noted on this server are written. */
    contactsWritten: () => cache.flushSeen(),

    async list(status?: AgentStatus) {
      await cache.flushSeen();
      const rows = await repo.listAgents(db, status);
      return rows.map(({ agent, computerId }) => ({
        id: agent.id,
        computerName: agent.computerName,
        computerRegistered: computerId !== null,
        status: agent.status as AgentStatus,
        signingKeyFingerprint: keyFingerprint(agent.signingPublicKey),
        enrolledAt: agent.enrolledAt,
        lastSeenAt: agent.lastSeenAt,
        available:
          agent.status === 'approved' &&
          !!agent.lastSeenAt &&
          agent.lastSeenAt.getTime() > now().getTime() - missedHeartbeatMs,
      }));
    },

    async enroll(body: z.infer<typeof enrollBody>) {
      checkKeys(body);
      try {
        const out = await db.transaction((tx) =>
          body.token ? enrollWithToken(tx, body, body.token) : enrollPending(tx, body),
        );
        cache.forget(out.agentId);
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
        cache.forget(id);
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
      cache.forget(id);
      // Its waiting long-poll ends now, with the refusal (another server's ends at its deadline).
      for (const wake of waiters.get(id) ?? []) wake(true);
      return id;
    },

    /**
     * Checks an `Authorization: Agent <jwt>` assertion: signature, life, the request it was made for, agent
     * status, and single use.
     */
    async authenticate(jwt: string, request: AssertedRequest): Promise<AuthOutcome> {
      const refused = (
        message: string,
        code: 'UNAUTHENTICATED' | 'AGENT_REVOKED' = 'UNAUTHENTICATED',
      ): AuthOutcome => ({
        kind: 'refused',
        code,
        message,
      });
      const at = now();
      const agentId = assertionIssuer(jwt);
      const agent = agentId ? await cache.get(agentId) : undefined;
      if (!agentId || !agent) return refused('The assertion names no enrolled agent.');
      const verified = await verifyAssertion(jwt, agent.signingKey, agentId, at, request);
      if (!verified)
        return refused(
          'The assertion is invalid, expired or made for another request: sign a fresh one with the agent key for each request.',
        );
      if (agent.status === 'revoked') return refused(REVOKED_MESSAGE, 'AGENT_REVOKED');
      if (agent.status !== 'approved') return refused('This agent is awaiting approval by an administrator.');
      if (!(await cache.recordAssertion(verified.jti, verified.expiresAt)))
        return refused('The assertion was already used: sign a fresh one for every request.');
      cache.seen(agent, at);
      if (at.getTime() - lastPurge > REPLAY_PURGE_INTERVAL_MS) {
        lastPurge = at.getTime();
        // Expired assertions are refused by their exp anyway; keep a margin over the clock tolerance.
        await repo.purgeExpiredAssertions(db, new Date(at.getTime() - 60_000));
      }
      return {
        kind: 'ok',
        agent: {
          agentId,
          computerName: agent.computerName,
          sealingKey: agent.sealingKey,
          bodyDigest: verified.bodyDigest,
          stillApproved: async () => (await repo.findAgent(db, agentId))?.status === 'approved',
        },
      };
    },

    /**
     * The agent's configuration. With the tag it already has and `waitSeconds`, waits for a change
     * (or `signal`) before answering `unchanged`.
     */
    async config(
      agentId: string,
      opts: { tag?: string; waitSeconds: number; signal?: AbortSignal },
    ): Promise<ConfigOutcome> {
      // The configuration is built once per tag: the tag changes exactly when the configuration does.
      const read = async () => {
        const engine = await d.resolution.latest();
        const tag = engine.tagOf(agentId);
        const held = configs.get(agentId);
        if (held && held.tag === tag) return held;
        const config = engine.configOf(agentId);
        if (!config) throw notFound('Computer of agent', agentId);
        if (configs.size >= 200_000) configs.clear();
        configs.set(agentId, config);
        return config;
      };
      if (!opts.tag || opts.waitSeconds <= 0) {
        const config = await read();
        return config.tag === opts.tag ? { kind: 'unchanged', tag: config.tag } : { kind: 'changed', config };
      }
      let wake: () => void = () => {};
      let signalled = new Promise<void>((r) => {
        wake = r;
      });
      let revoked = false;
      const onChange = (revokedNow?: boolean) => {
        revoked ||= revokedNow === true;
        wake();
      };
      const set = waiters.get(agentId) ?? new Set<(revoked?: boolean) => void>();
      waiters.set(agentId, set);
      set.add(onChange);
      const onAbort = () => wake();
      opts.signal?.addEventListener('abort', onAbort);
      // A waiting agent must come back before it would look silent: at most half the missed-heartbeat time.
      const deadline = Date.now() + Math.min(opts.waitSeconds * 1000, missedHeartbeatMs / 2);
      let timer: NodeJS.Timeout | undefined;
      let waited = false;
      try {
        for (;;) {
          const config = await read();
          if (config.tag !== opts.tag) {
            // Authenticated before the wait: an agent revoked meanwhile (on any server) gets no configuration.
            if (waited && (await repo.findAgent(db, agentId))?.status !== 'approved')
              throw new AppError('AGENT_REVOKED', REVOKED_MESSAGE);
            return { kind: 'changed', config };
          }
          const remaining = deadline - Date.now();
          if (remaining <= 0 || opts.signal?.aborted) return { kind: 'unchanged', tag: config.tag };
          await Promise.race([
            signalled,
            new Promise<void>((r) => {
              timer = setTimeout(r, remaining);
            }),
          ]);
          clearTimeout(timer);
          if (revoked) throw new AppError('AGENT_REVOKED', REVOKED_MESSAGE);
          waited = true;
          signalled = new Promise<void>((r) => {
            wake = r;
          });
        }
      } finally {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        set.delete(onChange);
        if (set.size === 0) waiters.delete(agentId);
      }
    },

    /**
     * Seals each requested account that is distributed to the agent at that version; any other request
     * gets nothing. Deliveries and refusals are audited (agent, account, version) — never the secret.
     */
    async credentials(agent: AgentPrincipal, requested: { id: string; version: number }[]) {
      const engine = await d.resolution.latest();
      const distributed = new Map(engine.accountsFor(agent.agentId).map((a) => [a.id, a.version]));
      const wanted = [...new Map(requested.map((r) => [`${r.id}@${r.version}`, r])).values()];
      const refused: { id: string; version: number; reason: string }[] = [];
      const current: { id: string; version: number }[] = [];
      for (const r of wanted) {
        const version = distributed.get(r.id);
        if (version === undefined) refused.push({ ...r, reason: 'not-distributed' });
        else if (version !== r.version) refused.push({ ...r, reason: 'not-current-version' });
        else current.push(r);
      }
      const opened = await d.accounts.openCredentials(current);
      for (const r of current)
        if (!opened.some((c) => c.accountId === r.id)) refused.push({ ...r, reason: 'not-current-version' });
      // One ECDH for the answer, AES-GCM for each account: every envelope bound to its agent, account and version.
      const seal = sealerTo(agent.sealingKey);
      const items = opened.map((c) => ({
        accountId: c.accountId,
        version: c.version,
        envelope: seal(JSON.stringify(c), credentialAad(agent.agentId, c.accountId, c.version)),
      }));
      const actor = agentActor(agent.agentId);
      const records = [
        ...items.map((i) => ({
          actor,
          kind: 'credential.delivery',
          target: i.accountId,
          details: { agent: agent.agentId, account: i.accountId, version: i.version },
        })),
        ...refused.map((r) => ({
          actor,
          kind: 'credential.refused',
          target: r.id,
          details: { agent: agent.agentId, account: r.id, version: r.version, reason: r.reason },
        })),
      ];
      if (records.length) await deliveryAudit.add(records);
      return { items };
    },
  };
}
