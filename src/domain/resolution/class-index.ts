// The class tree of the resolution engine: each class's ancestry, what derives from it, and the workflows
// (and so the profiles) that reach its objects — fixed for the engine's life, built once.
import { hashString } from './hash.js';
import type { ClassDef, WorkflowDef } from './model.js';

export interface ClassNode {
  id: string;
  baseClassId: string | null;
  /** Self first, then each base up to the root. */
  ancestors: string[];
  children: Set<string>;
  /** Workflows that target this class or one of its bases. */
  workflows: WorkflowDef[];
  /** The distinct profiles those workflows name; an object's resolutions are stored in this order. */
  profiles: string[];
  profileIndex: Map<string, number>;
  /** Per workflow: its id hash and the index of its profile (-1: none, the default action account). */
  wfHash: number[];
  wfProfile: number[];
  /** Per profile (by its index): the indexes of the workflows naming it. */
  wfOfProfile: number[][];
  /**
   * Owned by the object resolver: raised when a class- or all-scoped pick for the class changes. Its objects
   * resolved before that (ObjectRecord.epoch below it) are re-resolved when next read.
   */
  epoch: number;
}

export type ClassIndex = ReturnType<typeof createClassIndex>;

/** Indexes classes and the workflows targeting them; a cycle in the base chain ends the ancestry where it repeats. */
export function createClassIndex(defs: readonly ClassDef[], wfs: readonly WorkflowDef[]) {
  const classes = new Map<string, ClassNode>();
  const workflows = new Map<string, WorkflowDef>();

  for (const c of defs) {
    classes.set(c.id, {
      id: c.id,
      baseClassId: c.baseClassId,
      ancestors: [],
      children: new Set(),
      workflows: [],
      profiles: [],
      profileIndex: new Map(),
      wfHash: [],
      wfProfile: [],
      wfOfProfile: [],
      epoch: 0,
    });
  }
  for (const c of classes.values()) if (c.baseClassId) classes.get(c.baseClassId)?.children.add(c.id);
  for (const c of classes.values()) {
    const seen = new Set<string>();
    let cur: ClassNode | undefined = c;
    while (cur && !seen.has(cur.id)) {
      seen.add(cur.id);
      c.ancestors.push(cur.id);
      cur = cur.baseClassId ? classes.get(cur.baseClassId) : undefined;
    }
  }
  const byTarget = new Map<string, WorkflowDef[]>();
  for (const w of wfs) {
    workflows.set(w.id, w);
    const list = byTarget.get(w.targetClassId);
    if (list) list.push(w);
    else byTarget.set(w.targetClassId, [w]);
  }
  for (const c of classes.values()) {
    for (const a of c.ancestors) c.workflows.push(...(byTarget.get(a) ?? []));
    c.profiles = [...new Set(c.workflows.map((w) => w.profileId).filter((p): p is string => p !== null))];
    c.profileIndex = new Map(c.profiles.map((p, k) => [p, k]));
    c.wfHash = c.workflows.map((w) => hashString(w.id));
    c.wfProfile = c.workflows.map((w) => (w.profileId === null ? -1 : c.profileIndex.get(w.profileId)!));
    c.wfOfProfile = c.profiles.map(() => []);
    c.wfProfile.forEach((pi, k) => {
      if (pi >= 0) c.wfOfProfile[pi]!.push(k);
    });
  }

  return {
    get: (classId: string): ClassNode | undefined => classes.get(classId),
    /** The class and its bases, nearest first; empty for a class the index lacks. */
    ancestors: (classId: string): readonly string[] => classes.get(classId)?.ancestors ?? [],
    /** Whether a class is the other or derives from it. */
    isA: (classId: string, baseClassId: string): boolean =>
      classes.get(classId)?.ancestors.includes(baseClassId) ?? false,
    /** The class and every class deriving from it, breadth first; empty for a class the index lacks. */
    descendants(classId: string): string[] {
      const out = classes.has(classId) ? [classId] : [];
      for (let i = 0; i < out.length; i++) out.push(...classes.get(out[i]!)!.children);
      return out;
    },
    /** Classes whose objects some workflow naming the profile targets, in definition order. */
    usingProfile(profileId: string): string[] {
      const out: string[] = [];
      for (const c of classes.values()) if (c.profiles.includes(profileId)) out.push(c.id);
      return out;
    },
    workflow: (workflowId: string): WorkflowDef | undefined => workflows.get(workflowId),
    hasWorkflow: (workflowId: string): boolean => workflows.has(workflowId),
  };
}
