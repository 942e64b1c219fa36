// The normalized element model: a parsed pack document as the rows Steward keeps, defaults filled in.
import { canonicalJson } from '../canonical-json.js';
import type {
  GroupRule,
  PackDocument,
  PropertyType,
  RelationshipKind,
  WorkflowAction,
  WorkflowKind,
  WorkflowSchedule,
} from './pack-document.js';

export interface PackHeader {
  id: string;
  version: string;
  sealed: boolean;
  displayName: string;
  description: string;
}

export interface ReferenceElement {
  refPackId: string;
  alias: string;
  minVersion: string;
}

export interface ClassElement {
  id: string;
  baseClassId: string | null;
  displayName: string;
  description: string;
  abstract: boolean;
  hosted: boolean;
  keyProperties: string[];
  properties: { name: string; type: PropertyType }[];
}

export interface RelationshipElement {
  id: string;
  kind: RelationshipKind;
  sourceClassId: string;
  targetClassId: string;
}

export interface GroupElement {
  id: string;
  displayName: string;
  description: string;
  rules: GroupRule[];
  subgroups: string[];
}

export interface ProfileElement {
  id: string;
  displayName: string;
  description: string;
  contextClassId: string;
}

export interface WorkflowElement {
  id: string;
  kind: WorkflowKind;
  displayName: string;
  targetClassId: string;
  profileId: string | null;
  action: WorkflowAction;
  schedule: WorkflowSchedule | null;
  enabled: boolean;
}

export interface PackElements {
  header: PackHeader;
  references: ReferenceElement[];
  classes: ClassElement[];
  relationships: RelationshipElement[];
  groups: GroupElement[];
  profiles: ProfileElement[];
  workflows: WorkflowElement[];
}

export const elementKinds = ['classes', 'relationships', 'groups', 'profiles', 'workflows'] as const;
export type ElementKind = (typeof elementKinds)[number];
export type ElementCounts = Record<ElementKind, number>;

export function normalizePack(doc: PackDocument): PackElements {
  return {
    header: {
      id: doc.id,
      version: doc.version,
      sealed: doc.sealed,
      displayName: doc.displayName ?? doc.id,
      description: doc.description ?? '',
    },
    references: doc.references.map((r) => ({
      refPackId: r.id,
      alias: r.alias ?? r.id,
      minVersion: r.minVersion,
    })),
    classes: doc.classes.map((c) => ({
      id: c.id,
      baseClassId: c.baseClass ?? null,
      displayName: c.displayName ?? c.id,
      description: c.description ?? '',
      abstract: c.abstract,
      hosted: c.hosted,
      keyProperties: c.properties.filter((p) => p.key).map((p) => p.name),
      properties: c.properties.map((p) => ({ name: p.name, type: p.type })),
    })),
    relationships: doc.relationships.map((r) => ({
      id: r.id,
      kind: r.kind,
      sourceClassId: r.source,
      targetClassId: r.target,
    })),
    groups: doc.groups.map((g) => ({
      id: g.id,
      displayName: g.displayName ?? g.id,
      description: g.description ?? '',
      rules: g.rules,
      subgroups: g.subgroups,
    })),
    profiles: doc.profiles.map((p) => ({
      id: p.id,
      displayName: p.displayName ?? p.id,
      description: p.description ?? p.displayName ?? p.id,
      contextClassId: p.contextClass,
    })),
    workflows: doc.workflows.map((w) => ({
      id: w.id,
      kind: w.kind,
      displayName: w.displayName ?? w.id,
      targetClassId: w.target,
      profileId: w.runAs ?? null,
      action: w.action,
      schedule: w.schedule ? scheduleOf(w.schedule) : null,
      enabled: w.enabled,
    })),
  };
}

function scheduleOf(s: WorkflowSchedule): WorkflowSchedule {
  return s.cron !== undefined ? { cron: s.cron } : { intervalSeconds: s.intervalSeconds };
}

export function countElements(e: Pick<PackElements, ElementKind>): ElementCounts {
  return {
    classes: e.classes.length,
    relationships: e.relationships.length,
    groups: e.groups.length,
    profiles: e.profiles.length,
    workflows: e.workflows.length,
  };
}

export const zeroCounts = (): ElementCounts => ({
  classes: 0,
  relationships: 0,
  groups: 0,
  profiles: 0,
  workflows: 0,
});

export interface ElementDiff {
  added: ElementCounts;
  updated: ElementCounts;
  removed: ElementCounts;
  /** Ids that the new version no longer declares, per kind. */
  removedIds: Record<ElementKind, string[]>;
}

/** What changes when `next` replaces `previous`: elements are matched by id and compared by content. */
export function diffElements(
  previous: Pick<PackElements, ElementKind>,
  next: Pick<PackElements, ElementKind>,
): ElementDiff {
  const diff: ElementDiff = {
    added: zeroCounts(),
    updated: zeroCounts(),
    removed: zeroCounts(),
    removedIds: { classes: [], relationships: [], groups: [], profiles: [], workflows: [] },
  };
  for (const kind of elementKinds) {
    const before = new Map<string, string>(
      (previous[kind] as { id: string }[]).map((e) => [e.id, canonicalJson(e)]),
    );
    const after = new Set<string>();
    for (const e of next[kind] as { id: string }[]) {
      after.add(e.id);
      const old = before.get(e.id);
      if (old === undefined) diff.added[kind]++;
      else if (old !== canonicalJson(e)) diff.updated[kind]++;
    }
    for (const id of before.keys()) {
      if (!after.has(id)) {
        diff.removed[kind]++;
        diff.removedIds[kind].push(id);
      }
    }
  }
  return diff;
}

/** Two packs are the same content when header, references and every element are equal (order aside). */
export function sameContent(a: PackElements, b: PackElements): boolean {
  const key = (e: PackElements) =>
    canonicalJson({
      header: e.header,
      references: [...e.references].sort((x, y) => x.refPackId.localeCompare(y.refPackId)),
      ...Object.fromEntries(
        elementKinds.map((k) => [
          k,
          [...(e[k] as { id: string }[])].sort((x, y) => x.id.localeCompare(y.id)),
        ]),
      ),
    });
  return key(a) === key(b);
}
