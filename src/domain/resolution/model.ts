// The inputs and outputs of Run As resolution: what the engine and its reference implementation both speak.
import type { GroupRule } from '../inventory/membership.js';

export type Scope =
  | { kind: 'all' }
  | { kind: 'class'; classId: string }
  | { kind: 'group'; groupId: string }
  | { kind: 'object'; objectId: string };

export type ScopeKind = Scope['kind'];

export interface Association {
  id: string;
  profileId: string;
  accountId: string;
  scope: Scope;
  enforced: boolean;
  /** Creation order: smaller is older; the oldest wins a remaining tie. */
  order: number;
}

export type Security = 'more-secure' | 'less-secure';

export interface AccountDistribution {
  id: string;
  version: number;
  type: string;
  security: Security;
  /** Computers (agents), management servers and pools; a pool means its members now and later. */
  approved: readonly string[];
}

export interface WorkflowDef {
  id: string;
  targetClassId: string;
  profileId: string | null;
  /**
   * False for a profile use (a SCOM workflow Steward does not run): it counts wherever profiles are resolved
   * (findings, suggested distribution, explain) but is never in a health service's configuration.
   */
  runs?: boolean;
}

export interface ClassDef {
  id: string;
  baseClassId: string | null;
}

export interface ObjectDef {
  id: string;
  classId: string;
  /** null only for computers and pools: the tops of hosting chains. */
  hostId: string | null;
  name: string;
  displayName: string;
  properties: Readonly<Record<string, unknown>>;
}

export interface GroupDef {
  id: string;
  members: readonly string[];
  rules: readonly GroupRule[];
  subgroups: readonly string[];
}

export interface RunnerDef {
  /** A computer id (its agent runs the work) or a pool id (one member server runs it). */
  id: string;
  kind: 'agent' | 'pool';
  defaultActionAccountId: string | null;
}

export interface PoolDef {
  id: string;
  members: readonly string[];
}

/** Everything resolution reads; the server loads it from the database, tests make it up. */
export interface ResolutionInput {
  classes: readonly ClassDef[];
  objects: readonly ObjectDef[];
  groups: readonly GroupDef[];
  runners: readonly RunnerDef[];
  pools: readonly PoolDef[];
  workflows: readonly WorkflowDef[];
  accounts: readonly AccountDistribution[];
  associations: readonly Association[];
}

export type Resolution =
  | { kind: 'default-action-account' }
  | { kind: 'account'; accountId: string; associationId: string }
  | { kind: 'not-distributed'; accountId: string; associationId: string };

/** Scope specificity: higher wins (object > group > class > all targeted objects). */
export const scopeRank: Record<ScopeKind, number> = { object: 3, group: 2, class: 1, all: 0 };

/**
 * The sort key of a matching association, compared element by element, larger first:
 * enforced, then scope rank, then (for class scope) how derived the class is, then older first.
 */
export function winnerKey(a: Association, classDepth: number): [number, number, number, number] {
  return [a.enforced ? 1 : 0, scopeRank[a.scope.kind], a.scope.kind === 'class' ? classDepth : 0, -a.order];
}

export function compareKeys(x: readonly number[], y: readonly number[]): number {
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export const sameResolution = (a: Resolution, b: Resolution) =>
  a.kind === b.kind &&
  (a.kind === 'default-action-account' ||
    (a.accountId === (b as { accountId: string }).accountId &&
      a.associationId === (b as { associationId: string }).associationId));
