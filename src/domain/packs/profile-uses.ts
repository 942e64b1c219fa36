// Profile uses: the SCOM workflows and module types of a pack that run as a Run As profile. Steward does not
// run them, but they say which classes a profile is used for, so findings and suggested distribution count them.
import type { PackDocument } from './pack-document.js';
import type { PackIssue, PackWorld } from './pack-validation.js';

export const profileUseHows = ['run-as', 'substitution'] as const;

export interface ProfileUse {
  /** The workflow or module type (its SCOM id). */
  elementId: string;
  /** Rule, UnitMonitor, Discovery, Task, DataSourceModuleType, … */
  elementKind: string;
  profileId: string;
  /** The class the workflow targets; null for a module type, which targets nothing by itself. */
  targetClassId: string | null;
  /** Where the profile is named (`…/@RunAs`, or the element that substitutes its credentials). */
  path: string;
  /** The module type of this pack that names the profile, when the element uses it through its modules. */
  via: string | null;
  how: (typeof profileUseHows)[number];
}

/**
 * Checks that each use names a profile and a target class that exist. Uses that
 * name a pack not imported (`absent`) are kept and not checked: they count once that pack is imported.
 */
export function validateProfileUses(
  doc: PackDocument,
  uses: readonly ProfileUse[],
  world: PackWorld,
  locate: (path: string) => string,
  waiting: ReadonlySet<number>,
): PackIssue[] {
  const here = {
    profiles: new Set(doc.profiles.map((p) => p.id)),
    classes: new Set(doc.classes.map((c) => c.id)),
  };
  // Skipped elements are not checked as strictly as imported ones: the profile and the class must exist,
  // in whichever pack (an alias naming the wrong library still finds SCOM's class).
  const seen = (kind: 'profiles' | 'classes', id: string) => here[kind].has(id) || world[kind].has(id);
  const issues: PackIssue[] = [];
  uses.forEach((u, i) => {
    if (waiting.has(i)) return;
    if (!seen('profiles', u.profileId)) {
      issues.push({
        path: locate(`profileUses[${i}].profileId`),
        message: `no Run As profile (SecureReference) '${u.profileId}' in this pack or any imported pack`,
      });
    }
    if (u.targetClassId !== null && !seen('classes', u.targetClassId)) {
      issues.push({
        path: locate(`profileUses[${i}].targetClassId`),
        message: `no class '${u.targetClassId}' in this pack or any imported pack`,
      });
    }
  });
  return issues;
}

const useKey = (u: ProfileUse) => `${u.elementId}\u0000${u.profileId}\u0000${u.path}`;

/** One order for stored and new uses, so two lists compare equal exactly when they hold the same uses. */
export const sortProfileUses = (uses: readonly ProfileUse[]): ProfileUse[] =>
  [...uses].sort((a, b) => (useKey(a) < useKey(b) ? -1 : useKey(a) > useKey(b) ? 1 : 0));

/** A module type of a referenced pack that a workflow or module type of this pack is built from. */
export interface ExternalModule {
  elementId: string;
  elementKind: string;
  /** The class the workflow targets (resolved); null for a module type. */
  targetClassId: string | null;
  /** The referenced pack and its module type. */
  packId: string;
  moduleId: string;
  /** The `…/@TypeID` that names it. */
  path: string;
}

/**
 * The uses an element gets from the module types of referenced packs it is built from: one per profile the module
 * type runs as (that pack's own uses of it, transitive ones included), pointing at the `@TypeID` that names it.
 */
export function usesThroughExternalModules(
  external: readonly ExternalModule[],
  moduleUses: (packId: string, moduleId: string) => readonly ProfileUse[],
): ProfileUse[] {
  const out: ProfileUse[] = [];
  for (const e of external) {
    for (const u of moduleUses(e.packId, e.moduleId)) {
      if (out.some((x) => x.elementId === e.elementId && x.path === e.path && x.profileId === u.profileId))
        continue;
      out.push({
        elementId: e.elementId,
        elementKind: e.elementKind,
        profileId: u.profileId,
        targetClassId: e.targetClassId,
        path: e.path,
        via: e.moduleId,
        how: u.how,
      });
    }
  }
  return out;
}
