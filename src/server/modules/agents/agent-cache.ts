// What every agent request needs of the database, kept in memory: the agent's row (status and keys), read
// once (at the first request after a start, every approved agent's in one statement; later, with those of other
// agents asking at the same time) and dropped when a change to the agent is committed on any server (the change
// feed); the agent's last contact, written for many requests in one statement.
import type { KeyObject, webcrypto } from 'node:crypto';
import { importPublicKey, importVerifyingKey } from '../../../crypto/agent-keys.js';
import { createBatcher } from '../../../store/batcher.js';
import type { Db } from '../../../store/db.js';
import type { Change } from '../resolution/resolution-service.js';
import * as repo from './agents-repo.js';

export interface CachedAgent {
  id: string;
  computerName: string;
  status: string;
  /** Verifies the agent's assertions. */
  signingKey: webcrypto.CryptoKey;
  /** Its X25519 public key (SPKI DER base64url): what credentials are sealed to. */
  sealingPublicKey: string;
  /** The same key as a KeyObject, imported at its first use (the sealing thread imports its own). */
  sealingKey(): KeyObject;
  /** Last contact this server wrote or read (ms since the epoch; 0 for never). */
  lastSeenMs: number;
}

const MAX_AGENTS = 200_000;

export function createAgentCache(d: {
  db: Db;
  /** The change feed: every committed change, from this server and the others. */
  onChange: (listener: (change: Change) => void) => unknown;
  /** Last contact is written at most this often per agent. */
  lastSeenIntervalMs: number;
}) {
  const agents = new Map<string, CachedAgent>();
  // Bumped by every change: a row read before a change is not kept after it.
  let generation = 0;
  /** Rows read for the whole fleet and not asked for yet (the keys are imported when they are). */
  const unasked = new Map<string, repo.AgentRow>();
  const forget = (id?: string) => {
    generation++;
    if (id === undefined) {
      agents.clear();
      unasked.clear();
    } else {
      agents.delete(id);
      unasked.delete(id);
    }
  };
  d.onChange((c) => {
    if (c.kind === 'reset') forget();
    else if (c.kind.startsWith('agent.') || c.kind.startsWith('computer.')) forget(c.target ?? undefined);
  });

  // After a start the whole fleet reconnects at once (its server restarted): at the first request every approved
  // agent's row is read in one statement, rather than in a statement for each few agents; a request that comes
  // while it is read waits for it. Rows read before a change committed meanwhile are not kept.
  let fleetRead: Promise<void> | undefined;
  const readFleet = () =>
    (fleetRead ??= (async () => {
      const before = generation;
      const all = await repo.approvedAgents(d.db, MAX_AGENTS).catch(() => []);
      if (before === generation) for (const row of all) if (!agents.has(row.id)) unasked.set(row.id, row);
    })());

  // Agents asking together that the fleet's read did not hold are read together.
  const rows = createBatcher(async (ids: string[]) => {
    const found = new Map((await repo.findAgents(d.db, [...new Set(ids)])).map((r) => [r.id, r]));
    return ids.map((id) => found.get(id));
  });

  // Whether long-polls woken together (an association change reaching the whole fleet) are still approved: all
  // in one read.
  const approvals = createBatcher(
    async (ids: string[]) => {
      const refused = await repo.notApprovedAmong(d.db, [...new Set(ids)]);
      return ids.map((id) => !refused.has(id));
    },
    { maxBatch: 50_000 },
  );

  // Contacts are gathered for up to a second (less than the interval they are kept to) and written together, a
  // hundred a statement with other work between statements: a fleet's second of contacts (thousands) never holds
  // up the requests that come meanwhile.
  const seen = createBatcher(
    async (items: { id: string; at: Date }[]) => {
      await repo.touchAgents(d.db, items);
      return items.map(() => undefined);
    },
    { gatherMs: Math.min(1000, d.lastSeenIntervalMs), maxBatch: 100, yieldBetween: true },
  );

  return {
    /** The agent's row, from memory when no change to it was committed since it was read. */
    async get(id: string): Promise<CachedAgent | undefined> {
      const hit = agents.get(id);
      if (hit) return hit;
      await readFleet();
      const before = generation;
      const early = unasked.get(id);
      unasked.delete(id);
      const row = early ?? (await rows.add(id));
      if (!row) return undefined;
      let sealingKey: KeyObject | undefined;
      const agent: CachedAgent = {
        id: row.id,
        computerName: row.computerName,
        status: row.status,
        signingKey: await importVerifyingKey(row.signingPublicKey),
        sealingPublicKey: row.sealingPublicKey,
        sealingKey: () => (sealingKey ??= importPublicKey(row.sealingPublicKey, 'x25519')),
        lastSeenMs: row.lastSeenAt?.getTime() ?? 0,
      };
      if (before === generation) {
        if (agents.size >= MAX_AGENTS) agents.clear();
        agents.set(id, agent);
      }
      return agent;
    },

    /**
     * Whether the agent is approved as the database has it now, never from memory (for a long-poll that waited:
     * a revocation made meanwhile on any server counts); read with those of other agents asking at once.
     */
    approvedNow: (id: string) => approvals.add(id),

    /** Drops the agent (a change this server just committed), or every agent. */
    forget,

    /** Notes the agent's contact; written (with others') when the last one written is old enough. */
    seen(agent: CachedAgent, at: Date) {
      if (at.getTime() - agent.lastSeenMs < d.lastSeenIntervalMs) return;
      agent.lastSeenMs = at.getTime();
      void seen.add({ id: agent.id, at }).catch(() => {
        agent.lastSeenMs = 0;
      });
    },

    /** Settles once every contact noted so far is written. */
    flushSeen: () => seen.flush(),
  };
}
