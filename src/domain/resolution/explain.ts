// Explains a resolution as a chain of reasons a person can follow: which associations matched, which won and why.
import type { Association, Resolution } from './model.js';
import type { Candidate, ResolutionEngine } from './resolution-engine.js';

export interface Explanation {
  workflowId: string | null;
  profileId: string | null;
  objectId: string;
  runnerId: string;
  hostChain: string[];
  resolution: Resolution;
  candidates: {
    associationId: string;
    accountId: string;
    scope: Association['scope'];
    enforced: boolean;
    winner: boolean;
  }[];
  /** Set when the winner tied with another account at the same level and only age decided. */
  conflict: { associationIds: string[]; accountIds: string[] } | null;
  reasons: string[];
}

const scopeText = (a: Association) =>
  a.scope.kind === 'all'
    ? 'all targeted objects'
    : a.scope.kind === 'class'
      ? `class ${a.scope.classId}`
      : a.scope.kind === 'group'
        ? `group ${a.scope.groupId}`
        : `object ${a.scope.objectId}`;

const sameLevel = (x: Candidate, y: Candidate) => x.key.slice(0, 3).every((v, i) => v === y.key[i]);

/** Candidates that tie with the winner on everything but age, naming different accounts. */
export function tiesWithWinner(candidates: Candidate[]): Candidate[] {
  const [first] = candidates;
  if (!first) return [];
  const tied = candidates.filter((c) => sameLevel(c, first));
  return new Set(tied.map((c) => c.association.accountId)).size > 1 ? tied : [];
}

function whyWins(winner: Candidate, runnerUp: Candidate | undefined): string {
  if (!runnerUp) return 'it is the only match';
  const [we, wr, wd] = winner.key;
  const [re, rr, rd] = runnerUp.key;
  if (we !== re) return 'it is enforced';
  if (wr !== rr)
    return `${winner.association.scope.kind} scope is more specific than ${runnerUp.association.scope.kind} scope`;
  if (wd !== rd) return 'its class is more derived';
  return `it is older than ${runnerUp.association.id} (a tie at the same level: see the conflict finding)`;
}

export function explain(
  engine: ResolutionEngine,
  q: { workflowId?: string; profileId?: string; objectId: string },
): Explanation {
  const runnerId = engine.runnerOfObject(q.objectId);
  const hostChain = engine.hostChain(q.objectId);
  const reasons: string[] = [];
  let profileId = q.profileId ?? null;
  if (q.workflowId) {
    const wf = engine.workflowsFor(q.objectId).find((w) => w.id === q.workflowId);
    if (!wf)
      reasons.push(
        `Workflow ${q.workflowId} does not target ${q.objectId}'s class; it would not run for it.`,
      );
    else
      reasons.push(
        `Workflow ${wf.id} targets ${wf.targetClassId}${wf.profileId ? ` and runs as profile ${wf.profileId}` : ' and names no profile'}.`,
      );
    profileId = wf?.profileId ?? null;
  }
  reasons.push(
    hostChain.length
      ? `Object ${q.objectId} is hosted by ${hostChain.join(' ← ')}, so it runs on ${runnerId}.`
      : `Object ${q.objectId} runs on ${runnerId} itself.`,
  );
  const base = {
    workflowId: q.workflowId ?? null,
    profileId,
    objectId: q.objectId,
    runnerId,
    hostChain,
    reasons,
  };
  if (profileId === null) {
    reasons.push(`With no profile, it runs as the default action account of ${runnerId}.`);
    return { ...base, resolution: { kind: 'default-action-account' }, candidates: [], conflict: null };
  }
  const candidates = engine.candidates(profileId, q.objectId);
  const resolution = engine.resolveProfile(profileId, q.objectId);
  const winner = candidates[0];
  if (!winner) {
    reasons.push(
      `No association of ${profileId} matches ${q.objectId}, so it runs as the default action account of ${runnerId}.`,
    );
  } else {
    reasons.push(
      `${candidates.length} association(s) of ${profileId} match: ${candidates
        .map(
          (c) =>
            `${c.association.id} (${c.association.accountId}, ${scopeText(c.association)}${c.association.enforced ? ', enforced' : ''})`,
        )
        .join('; ')}.`,
    );
    reasons.push(`${winner.association.id} wins because ${whyWins(winner, candidates[1])}.`);
    if (resolution.kind === 'account') {
      reasons.push(
        `Account ${winner.association.accountId} is distributed to ${runnerId}, so the workflow runs as it.`,
      );
    } else if (resolution.kind === 'not-distributed') {
      reasons.push(
        `Account ${winner.association.accountId} is not distributed to ${runnerId}: the workflow is not run for ${q.objectId} (no fallback to the action account). Distribute the account to ${runnerId} to fix it.`,
      );
    }
  }
  const ties = tiesWithWinner(candidates);
  return {
    ...base,
    resolution,
    candidates: candidates.map((c, i) => ({
      associationId: c.association.id,
      accountId: c.association.accountId,
      scope: c.association.scope,
      enforced: c.association.enforced,
      winner: i === 0,
    })),
    conflict: ties.length
      ? {
          associationIds: ties.map((c) => c.association.id),
          accountIds: [...new Set(ties.map((c) => c.association.accountId))],
        }
      : null,
  };
}
