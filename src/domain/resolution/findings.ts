// Findings: what an operator should know about accounts, profiles and distribution, each with a stable id,
// a severity, a sentence and a command that fixes it.

import { tiesWithWinner } from './explain.js';
import type { Association, Resolution } from './model.js';
import type { ResolutionEngine } from './resolution-engine.js';

export type Severity = 'critical' | 'warning' | 'information';

export interface Finding {
  id: string;
  kind:
    | 'not-distributed'
    | 'conflict'
    | 'over-distributed'
    | 'unused-account'
    | 'unused-profile'
    | 'dangling-association'
    | 'expiring'
    | 'expired';
  severity: Severity;
  message: string;
  fix: string | null;
  subject: Record<string, unknown>;
}

export interface FindingsInput {
  accounts: {
    id: string;
    name: string;
    security: string;
    approved: readonly string[];
    expiresAt: Date | null;
    kind: 'certificate' | 'account';
  }[];
  associations: readonly Association[];
  /** Profiles named by at least one workflow. */
  usedProfiles: ReadonlySet<string>;
  defaultActionAccounts: ReadonlySet<string>;
  classIds: ReadonlySet<string>;
  groupIds: ReadonlySet<string>;
  now: Date;
  warningDays: number;
  criticalDays?: number;
}

const DAY = 86_400_000;
const list = (xs: readonly string[], max = 5) =>
  xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;

export function computeFindings(engine: ResolutionEngine, input: FindingsInput): Finding[] {
  const out: Finding[] = [];
  const names = new Map(input.accounts.map((a) => [a.id, a.name]));
  const nameOf = (id: string) => names.get(id) ?? id;

  // Walk every object once: where each account is used, where it is missing, and same-level ties.
  const usedOn = new Map<string, Set<string>>();
  const missingOn = new Map<string, { runners: Set<string>; objects: number }>();
  const conflicts = new Map<
    string,
    { profileId: string; associationIds: string[]; accountIds: string[]; objects: string[] }
  >();
  const profilesWithTies = new Set<string>();
  const byProfile = new Map<string, Association[]>();
  for (const a of input.associations) byProfile.set(a.profileId, [...(byProfile.get(a.profileId) ?? []), a]);
  for (const [p, as] of byProfile) if (new Set(as.map((a) => a.accountId)).size > 1) profilesWithTies.add(p);

  for (const runnerId of engine.runnerIds()) {
    for (const objectId of engine.objectsOfRunner(runnerId)) {
      const profiles = new Set(
        engine
          .workflowsFor(objectId)
          .map((w) => w.profileId)
          .filter((p): p is string => p !== null),
      );
      for (const p of profiles) {
        const r: Resolution = engine.resolveProfile(p, objectId);
        if (r.kind === 'account') {
          const s = usedOn.get(r.accountId) ?? new Set();
          s.add(runnerId);
          usedOn.set(r.accountId, s);
        } else if (r.kind === 'not-distributed') {
          const m = missingOn.get(r.accountId) ?? { runners: new Set<string>(), objects: 0 };
          m.runners.add(runnerId);
          m.objects++;
          missingOn.set(r.accountId, m);
        }
        if (!profilesWithTies.has(p)) continue;
        const ties = tiesWithWinner(engine.candidates(p, objectId));
        if (ties.length) {
          // Best first: the first is the winner (the oldest of the tie).
          const ids = ties.map((t) => t.association.id);
          const key = `${p}:${[...ids].sort().join('+')}`;
          const c = conflicts.get(key) ?? {
            profileId: p,
            associationIds: ids,
            accountIds: [...new Set(ties.map((t) => t.association.accountId))],
            objects: [],
          };
          c.objects.push(objectId);
          conflicts.set(key, c);
        }
      }
    }
  }

  for (const [accountId, m] of missingOn) {
    const runners = [...m.runners].sort();
    out.push({
      id: `not-distributed:${accountId}`,
      kind: 'not-distributed',
      severity: 'critical',
      message: `Run As account ${nameOf(accountId)} is targeted at ${m.objects} object(s) on ${runners.length} health service(s) it is not distributed to (${list(runners)}): those workflows do not run.`,
      fix: `steward account distribute ${accountId} --add ${runners.join(',')}`,
      subject: { accountId, healthServices: runners, objects: m.objects },
    });
  }

  for (const [key, c] of conflicts) {
    out.push({
      id: `conflict:${key}`,
      kind: 'conflict',
      severity: 'warning',
      message: `Profile ${c.profileId} has associations at the same level with different accounts (${c.accountIds.map(nameOf).join(', ')}) for ${c.objects.length} object(s) such as ${list(c.objects, 3)}; the oldest, ${c.associationIds[0]}, wins; mark the one that should win enforced.`,
      fix: `steward profile enforce ${c.associationIds[0]}`,
      subject: {
        profileId: c.profileId,
        associationIds: c.associationIds,
        accountIds: c.accountIds,
        objects: c.objects.length,
        winner: c.associationIds[0],
      },
    });
  }

  const associated = new Set(input.associations.map((a) => a.accountId));
  for (const a of input.accounts) {
    if (a.security === 'more-secure') {
      const used = usedOn.get(a.id) ?? new Set();
      const extra = a.approved.filter(
        (t) => (t.startsWith('cmp_') || t.startsWith('pool_')) && engine.hasRunner(t) && !used.has(t),
      );
      if (extra.length && associated.has(a.id)) {
        out.push({
          id: `over-distributed:${a.id}`,
          kind: 'over-distributed',
          severity: 'warning',
          message: `Run As account ${a.name} is distributed to ${extra.length} health service(s) that host nothing it is used for (${list(extra)}).`,
          fix: `steward account distribute ${a.id} --remove ${extra.join(',')}`,
          subject: { accountId: a.id, healthServices: extra },
        });
      }
    }
    if (!associated.has(a.id) && !input.defaultActionAccounts.has(a.id)) {
      out.push({
        id: `unused-account:${a.id}`,
        kind: 'unused-account',
        severity: 'information',
        message: `Run As account ${a.name} is in no profile and is no computer's default action account.`,
        fix: `steward account delete ${a.id}`,
        subject: { accountId: a.id },
      });
    }
    if (a.expiresAt) {
      const days = (a.expiresAt.getTime() - input.now.getTime()) / DAY;
      const what = a.kind === 'certificate' ? 'certificate' : 'credentials';
      if (days <= 0) {
        out.push({
          id: `expired:${a.id}`,
          kind: 'expired',
          severity: 'critical',
          message: `The ${what} of Run As account ${a.name} expired on ${a.expiresAt.toISOString()}.`,
          fix: `steward account update ${a.id} --credential-file <new credential>`,
          subject: { accountId: a.id, expiresAt: a.expiresAt.toISOString() },
        });
      } else if (days < input.warningDays) {
        out.push({
          id: `expiring:${a.id}`,
          kind: 'expiring',
          severity: days < (input.criticalDays ?? 3) ? 'critical' : 'warning',
          message: `The ${what} of Run As account ${a.name} expires in ${Math.floor(days)} day(s), on ${a.expiresAt.toISOString()}.`,
          fix: `steward account update ${a.id} --credential-file <new credential>`,
          subject: { accountId: a.id, expiresAt: a.expiresAt.toISOString(), days: Math.floor(days) },
        });
      }
    }
  }

  for (const [profileId, as] of byProfile) {
    if (!input.usedProfiles.has(profileId)) {
      out.push({
        id: `unused-profile:${profileId}`,
        kind: 'unused-profile',
        severity: 'information',
        message: `Profile ${profileId} has ${as.length} association(s) but no workflow runs as it.`,
        fix: null,
        subject: { profileId, associations: as.length },
      });
    }
  }

  for (const a of input.associations) {
    const s = a.scope;
    const missing =
      (s.kind === 'object' && !engine.hasObject(s.objectId)) ||
      (s.kind === 'group' && !input.groupIds.has(s.groupId)) ||
      (s.kind === 'class' && !input.classIds.has(s.classId));
    if (missing) {
      const target =
        s.kind === 'object'
          ? s.objectId
          : s.kind === 'group'
            ? s.groupId
            : s.kind === 'class'
              ? s.classId
              : '';
      out.push({
        id: `dangling-association:${a.id}`,
        kind: 'dangling-association',
        severity: 'warning',
        message: `Association ${a.id} of profile ${a.profileId} targets ${s.kind} ${target}, which no longer exists.`,
        fix: `steward profile unassociate ${a.id}`,
        subject: { associationId: a.id, profileId: a.profileId, scope: s },
      });
    }
  }

  const order: Record<Severity, number> = { critical: 0, warning: 1, information: 2 };
  return out.sort((x, y) => order[x.severity] - order[y.severity] || x.id.localeCompare(y.id));
}
