// Agents: enrollment (agent-enrollment.ts), assertion authentication, configuration long-polls and credentials
// sealed to the agent's own key, every delivery and refusal audited.

import type { KeyObject } from 'node:crypto';
import { type AgentStatus, credentialAad } from '../../../contract/agents.js';
import {
  type AssertedRequest,
  assertionClaims,
  keyFingerprint,
  verifyAssertion,
} from '../../../crypto/agent-keys.js';
import { type Sealing, sealInline } from '../../../crypto/sealing-thread.js';
import type { RunnerConfig } from '../../../domain/resolution/resolution-engine.js';
import { createBatcher } from '../../../store/batcher.js';
import type { Db } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import type { AccountsService } from '../accounts/accounts-service.js';
import { type AuditEntry, appendAuditBatch } from '../audit/audit-repo.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import { createAgentCache } from './agent-cache.js';
import { createAgentEnrollment } from './agent-enrollment.js';
import { agentActor } from './agent-identity.js';
import * as repo from './agents-repo.js';
import { createAssertionReplays } from './assertion-replays.js';

export interface AgentsServiceDeps {
  db: Db;
  accounts: Pick<AccountsService, 'openCredentials'>;
  resolution: Pick<ResolutionService, 'latest' | 'onRunnersChanged' | 'onChange'>;
  /** An agent not heard from for this long is unavailable (default 60 s); last contact is kept finer than that. */
  missedHeartbeatMs?: number;
  /** Token-less enrollments waiting for approval at most; default 500. */
  maxPending?: number;
  /** Where credentials are sealed; default on the calling thread. */
  sealing?: Sealing;
  now?: () => Date;
}

/** The agent behind a verified assertion. */
export interface AgentPrincipal {
  agentId: string;
  computerName: string;
  /** Its X25519 public key (SPKI DER base64url), which `sealingKey` imports. */
  sealingPublicKey: string;
  readonly sealingKey: KeyObject;
  /** SHA-256 (base64url) of the body the assertion was made for: the body received must match it. */
  bodyDigest: string | undefined;
  /** Whether the agent is still approved now: a long-poll asks again after its wait. */
  stillApproved(): Promise<boolean>;
}

export type AuthOutcome =
  | { kind: 'ok'; agent: AgentPrincipal }
  | { kind: 'refused'; code: 'UNAUTHENTICATED' | 'AGENT_REVOKED'; message: string };

/** Long-polls woken in one turn of the event loop by a change notice. */
const WAKE_TURN = 1000;

/** How long, at most, a credential delivery's audit record waits for others to share its transaction. */
const DELIVERY_GATHER_MS = 20;
/** Records that, once waiting, are written at once. */
const DELIVERY_GATHER_COUNT = 64;

const REVOKED_MESSAGE = 'This agent was revoked: it must enroll again.';

export type ConfigOutcome = { kind: 'changed'; config: RunnerConfig } | { kind: 'unchanged'; tag: string };

export type AgentsService = ReturnType<typeof createAgentsService>;

export function createAgentsService(d: AgentsServiceDeps) {
  const db = d.db;
  const now = d.now ?? (() => new Date());
  const missedHeartbeatMs = d.missedHeartbeatMs ?? 60_000;
  // Written at most this often per agent, yet often enough that a live agent never looks silent.
  const lastSeenIntervalMs = Math.min(10_000, Math.floor(missedHeartbeatMs / 4));

  const sealing = d.sealing ?? sealInline;
  const configs = new Map<string, RunnerConfig>();
  const cache = createAgentCache({ db, onChange: d.resolution.onChange, lastSeenIntervalMs });
  const replays = createAssertionReplays({ db });
  /**
   * The audit records of credential deliveries, appended for many requests at once when agents reconnect
   * together; each request answers only once its own records are committed. A batch waits up to
   * DELIVERY_GATHER_MS for more: a transaction of the chain costs as much as some ten records in it, so a
   * reconnecting fleet's deliveries are written a few dozen a transaction rather than a dozen.
   */
  const deliveryAudit = createBatcher(
    async (requests: AuditEntry[][]) => {
      await db.transaction((tx) => appendAuditBatch(tx, requests.flat()));
      return requests.map(() => undefined);
    },
    { maxBatch: 100, gatherMs: DELIVERY_GATHER_MS, gatherCount: DELIVERY_GATHER_COUNT },
  );

  // One listener for every waiting long-poll: a change notice walks its runners once, and wakes their long-polls
  // a turn of the event loop at a time, WAKE_TURN of them a turn. A change reaching the whole fleet so answers its
  // first agents at once, and never holds every agent's answer in memory together waiting to be written.
  /** Each waiting long-poll by agent; `revoked` ends it with the refusal. */
  const waiters = new Map<string, Set<(revoked?: boolean) => void>>();
  d.resolution.onRunnersChanged((runners) => {
    if (waiters.size === 0) return;
    const woken: (() => void)[] = [];
    for (const r of runners) for (const wake of waiters.get(r) ?? []) woken.push(wake);
    const wakeTurn = (from: number) => {
      for (let i = from; i < Math.min(from + WAKE_TURN, woken.length); i++) woken[i]!();
      if (from + WAKE_TURN < woken.length) setImmediate(wakeTurn, from + WAKE_TURN);
    };
    wakeTurn(0);
  });

  const enrollment = createAgentEnrollment({
    db,
    now,
    maxPending: d.maxPending ?? 500,
    changed: (id) => cache.forget(id),
    revoked: (id) => {
      cache.forget(id);
      // Its waiting long-poll ends now, with the refusal (another server's ends at its deadline).
      for (const wake of waiters.get(id) ?? []) wake(true);
    },
  });

  return {
    ...enrollment,

    /** This server's own assertion audience (new at every start), named to agents in every agent answer. */
    assertionAudience: replays.audience,

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
      const claims = assertionClaims(jwt);
      // Named in the refusal's header: an agent holding the audience of another server (or of this one before
      // it restarted) signs again for this one.
      if (claims && !replays.accepted.includes(claims.audience))
        return refused(
          'The assertion was made for another server or an earlier start of this one: sign it for the audience this server names in its Steward-Assertion-Audience header.',
        );
      const agentId = claims?.issuer;
      const agent = agentId ? await cache.get(agentId) : undefined;
      if (!agentId || !agent) return refused('The assertion names no enrolled agent.');
      const verified = await verifyAssertion(jwt, agent.signingKey, agentId, at, request, replays.accepted);
      if (!verified)
        return refused(
          'The assertion is invalid, expired or made for another request: sign a fresh one with the agent key for each request.',
        );
      if (agent.status === 'revoked') return refused(REVOKED_MESSAGE, 'AGENT_REVOKED');
      if (agent.status !== 'approved') return refused('This agent is awaiting approval by an administrator.');
      if (!(await replays.record(verified, at)))
        return refused('The assertion was already used: sign a fresh one for every request.');
      cache.seen(agent, at);
      return {
        kind: 'ok',
        agent: {
          agentId,
          computerName: agent.computerName,
          sealingPublicKey: agent.sealingPublicKey,
          get sealingKey() {
            return agent.sealingKey();
          },
          bodyDigest: verified.bodyDigest,
          stillApproved: () => cache.approvedNow(agentId),
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
            if (waited && !(await cache.approvedNow(agentId)))
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
      const envelopes = await sealing.seal(
        agent.sealingPublicKey,
        opened.map((c) => ({
          plaintext: JSON.stringify(c),
          aad: credentialAad(agent.agentId, c.accountId, c.version),
        })),
      );
      const items = opened.map((c, i) => ({
        accountId: c.accountId,
        version: c.version,
        envelope: envelopes[i]!,
      }));
      const actor = agentActor(agent.agentId);
      // One record per delivery, naming every account version it carried (a reconnecting fleet writes one
      // record per agent, not one per agent and account).
      const delivery = items.length
        ? [
            {
              actor,
              kind: 'credential.delivery',
              target: agent.agentId,
              details: {
                agent: agent.agentId,
                accounts: items.map((i) => ({ account: i.accountId, version: i.version })),
              },
            },
          ]
        : [];
      const records = [
        ...delivery,
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
