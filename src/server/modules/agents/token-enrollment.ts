// Enrollment tokens made, and agents enrolling with them, written together: the requests of one turn of the event
// loop are checked and written in one transaction, with one query per kind of row read or written however many
// there are. Each request is still refused alone when its own token, computer or agent says no, with the answer
// it would have had alone.
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { AgentStatus, createEnrollmentTokenBody, enrollBody } from '../../../contract/agents.js';
import { newId } from '../../../contract/ids.js';
import { keyFingerprint } from '../../../crypto/agent-keys.js';
import { hashToken } from '../../../crypto/passwords.js';
import { createBatcher } from '../../../store/batcher.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { type AuditEntry, appendAuditBatch } from '../audit/audit-repo.js';
import * as inventory from '../inventory/objects-repo.js';
import { agentActor, ENROLLMENT_TOKEN_PREFIX, unauthenticated } from './agent-identity.js';
import * as repo from './agents-repo.js';
import {
  type NewComputer,
  newComputer,
  refineComputerClass,
  registerComputers,
} from './computer-registration.js';

type Outcome<T> = { value: T } | { error: unknown };
const unwrap = <T>(o: Outcome<T>): T => {
  if ('error' in o) throw o.error;
  return o.value;
};
const distinct = (values: (string | null | undefined)[]) => [...new Set(values.filter((v) => v != null))];
const lower = (name: string) => name.toLowerCase();

const alreadyApproved = (name: string, field?: string) =>
  new AppError(
    'CONFLICT',
    `Computer '${name}' already has an approved agent: revoke it first to enroll another.`,
    field ? [{ path: field, message: 'has an approved agent' }] : undefined,
  );

export interface EnrollmentToken {
  id: string;
  token: string;
  computerId: string | null;
  computerName: string;
  expiresAt: Date;
}
export interface Enrolled {
  agentId: string;
  status: AgentStatus;
}

interface TokenRequest {
  actor: string;
  computerName: string;
  token: string;
  expiresAt: Date;
}
interface EnrollRequest {
  body: z.infer<typeof enrollBody>;
  tokenHash: string;
}

export function createTokenEnrollment({ db, now }: { db: Db; now: () => Date }) {
  /** Tokens for computers with no approved agent; the token itself is kept only as its hash. */
  async function makeTokens(tx: Tx, batch: TokenRequest[]): Promise<Outcome<EnrollmentToken>[]> {
    const computers = new Map(
      (await inventory.findComputersByNames(tx, distinct(batch.map((r) => r.computerName)))).map((c) => [
        lower(c.computer.name),
        c.computer.id,
      ]),
    );
    const approved = new Set(
      (await repo.findAgents(tx, [...computers.values()]))
        .filter((a) => a.status === 'approved')
        .map((a) => a.id),
    );
    const rows: Parameters<typeof repo.insertEnrollmentTokens>[1] = [];
    const audit: AuditEntry[] = [];
    const outcomes = batch.map((r): Outcome<EnrollmentToken> => {
      const computerId = computers.get(lower(r.computerName)) ?? null;
      if (computerId && approved.has(computerId)) {
        return { error: alreadyApproved(r.computerName, 'body.computerName') };
      }
      const id = `enr_${randomBytes(12).toString('hex')}`;
      rows.push({
        id,
        tokenHash: hashToken(r.token),
        computerId,
        computerName: computerId ? null : r.computerName,
        createdBy: r.actor,
        expiresAt: r.expiresAt,
      });
      audit.push({
        actor: r.actor,
        kind: 'agent.token.create',
        target: id,
        details: { computerId, computerName: r.computerName, expiresAt: r.expiresAt.toISOString() },
      });
      return {
        value: { id, token: r.token, computerId, computerName: r.computerName, expiresAt: r.expiresAt },
      };
    });
    if (rows.length) await repo.insertEnrollmentTokens(tx, rows);
    await appendAuditBatch(tx, audit);
    return outcomes;
  }

  /** Agents enrolled with single-use tokens, approved at once; their computers registered on the way. */
  async function enrollTogether(tx: Tx, batch: EnrollRequest[]): Promise<Outcome<Enrolled>[]> {
    const at = now();
    const tokens = new Map(
      (await repo.lockEnrollmentTokens(tx, distinct(batch.map((r) => r.tokenHash)))).map((t) => [
        t.tokenHash,
        t,
      ]),
    );
    const byId = new Map(
      (await inventory.findComputers(tx, distinct([...tokens.values()].map((t) => t.computerId)))).map(
        (c) => [c.computer.id, c],
      ),
    );
    const byName = new Map(
      (
        await inventory.findComputersByNames(tx, distinct([...tokens.values()].map((t) => t.computerName)))
      ).map((c) => [lower(c.computer.name), c]),
    );
    const agents = new Map(
      (
        await repo.findAgentsForUpdate(tx, [
          ...byId.keys(),
          ...[...byName.values()].map((c) => c.computer.id),
        ])
      ).map((a) => [a.id, a]),
    );
    // An earlier request for a name with no computer yet (pending or revoked) keeps its id: the token settles it.
    const unregistered = distinct(
      [...tokens.values()].map((t) => t.computerName).filter((n) => n != null && !byName.has(lower(n))),
    );
    const earlier = new Map<string, repo.AgentRow>();
    for (const a of await repo.findAgentsByComputerNames(tx, unregistered))
      if (!earlier.has(lower(a.computerName))) earlier.set(lower(a.computerName), a);

    const used = new Set<string>();
    const claimed = new Set<string>();
    const computers: NewComputer[] = [];
    const refine: { c: inventory.ComputerWithObject; actor: string; body: EnrollRequest['body'] }[] = [];
    const inserts: Parameters<typeof repo.insertAgents>[1] = [];
    const updates: { id: string; values: Parameters<typeof repo.updateAgent>[2] }[] = [];
    const audit: AuditEntry[][] = [];
    const outcomes = batch.map(({ body, tokenHash }): Outcome<Enrolled> => {
      const row = tokens.get(tokenHash);
      if (!row || row.usedAt || row.expiresAt.getTime() <= at.getTime() || used.has(row.id))
        return {
          error: unauthenticated(
            'The enrollment token is unknown, already used or expired: ask for a new one.',
          ),
        };
      const computer = row.computerId ? byId.get(row.computerId) : byName.get(lower(row.computerName ?? ''));
      const name = row.computerId ? (computer?.computer.name ?? '') : (row.computerName ?? '');
      if (lower(name) !== lower(body.computerName))
        return { error: unauthenticated('This enrollment token was made for another computer.') };
      let agent = computer ? agents.get(computer.computer.id) : undefined;
      if (agent?.status === 'approved' || claimed.has(lower(name))) return { error: alreadyApproved(name) };
      agent ??= computer ? undefined : earlier.get(lower(name));
      const id = computer?.computer.id ?? agent?.id ?? newId('computer');
      const actor = agentActor(id);
      const entries: AuditEntry[] = [];
      if (computer) refine.push({ c: computer, actor, body });
      else {
        const c = newComputer(id, name, actor, body.platform ?? null);
        computers.push(c);
        entries.push(c.audit);
      }
      const values = {
        computerName: name,
        signingPublicKey: body.signingPublicKey,
        sealingPublicKey: body.sealingPublicKey,
        status: 'approved' as const,
        enrolledAt: at,
        lastSeenAt: null,
        platform: body.platform ?? null,
      };
      if (agent) updates.push({ id, values });
      else inserts.push({ id, ...values });
      used.add(row.id);
      claimed.add(lower(name));
      entries.push({
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
      audit.push(entries);
      return { value: { agentId: id, status: 'approved' } };
    });

    await registerComputers(tx, computers);
    // A computer registered before its agent, as a plain System.Computer, takes the class of the reported OS.
    const refined = new Map<string, AuditEntry[]>();
    for (const r of refine)
      refined.set(r.c.computer.id, await refineComputerClass(tx, r.c, r.actor, r.body.platform ?? null));
    await repo.insertAgents(tx, inserts);
    for (const u of updates) await repo.updateAgent(tx, u.id, u.values);
    if (used.size) await repo.markTokensUsed(tx, [...used], at);
    // Each enrollment's records in the order it would have written them alone: the class refined, then enrolled.
    await appendAuditBatch(
      tx,
      audit.flatMap((entries) => [...(refined.get(entries.at(-1)!.target!) ?? []), ...entries]),
    );
    return outcomes;
  }

  // What the checks did not foresee (a computer registered by another server at the same moment) fails the whole
  // transaction: each request is then written alone, and only the one at fault is refused.
  const tokenBatches = createBatcher((b: TokenRequest[]) => db.transaction((tx) => makeTokens(tx, b)), {
    retryAlone: true,
  });
  const enrollBatches = createBatcher((b: EnrollRequest[]) => db.transaction((tx) => enrollTogether(tx, b)), {
    retryAlone: true,
  });

  return {
    async createToken(
      p: Principal,
      body: z.infer<typeof createEnrollmentTokenBody>,
    ): Promise<EnrollmentToken> {
      const token = `${ENROLLMENT_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const expiresAt = new Date(now().getTime() + body.expiresInMinutes * 60_000);
      return unwrap(
        await tokenBatches.add({ actor: actorOf(p), computerName: body.computerName, token, expiresAt }),
      );
    },
    /** Enrolls with a token; the keys are checked by the caller. */
    async enroll(body: z.infer<typeof enrollBody>, token: string): Promise<Enrolled> {
      return unwrap(await enrollBatches.add({ body, tokenHash: hashToken(token) }));
    },
  };
}
