// Validates a pack against itself and against what is already imported: ids, references, base classes, cycles.
import type { PackDocument } from './pack-document.js';
import { compareVersions } from './pack-version.js';

export interface PackIssue {
  path: string;
  message: string;
}

/** What the validator needs to know about everything already imported (plain data, loaded by the caller). */
export interface PackWorld {
  packs: ReadonlyMap<
    string,
    { version: string; sealed: boolean; references: readonly string[]; builtIn?: boolean }
  >;
  classes: ReadonlyMap<
    string,
    { packId: string | null; baseClassId: string | null; properties: readonly string[] }
  >;
  relationships: ReadonlyMap<string, { packId: string | null }>;
  groups: ReadonlyMap<string, { packId: string | null }>;
  profiles: ReadonlyMap<string, { packId: string | null }>;
  workflows: ReadonlyMap<string, { packId: string | null }>;
}

export const ROOT_CLASS_ID = 'System.Entity';
export const LIBRARY_PACK_ID = 'Steward.Library';
/** SCOM's root library, built in: the one pack that declares the root class. */
export const SYSTEM_LIBRARY_PACK_ID = 'System.Library';

/** Paths in a native document are reported under `pack.`. */
export const nativePath = (path: string) => (path ? `pack.${path}` : 'pack');

/** Properties every object has, whatever its class: usable in group conditions. */
const OBJECT_FIELDS = ['name', 'displayName'];

const kindNames = {
  classes: 'class',
  relationships: 'relationship',
  groups: 'group',
  profiles: 'profile',
  workflows: 'workflow',
} as const;
type Kind = keyof typeof kindNames;
const kinds = Object.keys(kindNames) as Kind[];

/**
 * Everything that makes a well-formed document unimportable, as issues with paths like
 * `pack.classes[2].baseClass`. An empty list means the pack may be imported (ownership aside).
 */
export function validatePack(doc: PackDocument, world: PackWorld, locate = nativePath): PackIssue[] {
  const issues: PackIssue[] = [];
  const at = (path: string, message: string) => issues.push({ path: locate(path), message });

  // Element ids are unique within the pack, across every kind.
  const declared = new Map<string, string>();
  for (const kind of kinds) {
    (doc[kind] as { id: string }[]).forEach((e, i) => {
      const first = declared.get(e.id);
      if (first) at(`${kind}[${i}].id`, `'${e.id}' is declared twice in this pack (first at ${first})`);
      else declared.set(e.id, `${kind}[${i}]`);
    });
  }
  if (declared.has(doc.id)) at('id', `the pack id '${doc.id}' is also the id of an element; choose another`);

  // References: imported, sealed (R27), new enough, no cycles, no duplicates.
  const referenced = new Set<string>();
  const aliases = new Set<string>();
  doc.references.forEach((r, i) => {
    const path = `references[${i}]`;
    if (referenced.has(r.id)) at(`${path}.id`, `pack '${r.id}' is referenced twice`);
    referenced.add(r.id);
    const alias = r.alias ?? r.id;
    if (aliases.has(alias)) at(`${path}.alias`, `alias '${alias}' is used twice`);
    aliases.add(alias);
    if (r.id === doc.id) {
      at(`${path}.id`, 'a pack cannot reference itself');
      return;
    }
    const target = world.packs.get(r.id);
    if (!target) {
      at(`${path}.id`, `pack '${r.id}' is not imported; import it first`);
      return;
    }
    if (!target.sealed) {
      at(`${path}.id`, `pack '${r.id}' is not sealed; only sealed packs can be referenced`);
    }
    if (compareVersions(target.version, r.minVersion) < 0) {
      at(
        `${path}.minVersion`,
        `pack '${r.id}' is imported at version ${target.version}, older than the required ${r.minVersion}`,
      );
    }
    if (dependsOn(world, r.id, doc.id)) {
      at(`${path}.id`, `pack '${r.id}' already depends on '${doc.id}'; references cannot form a cycle`);
    }
  });

  // A referenced pack's own references are visible too: a pack that references Steward.Library sees the
  // SCOM libraries Steward.Library builds on. Versions are checked on direct references only.
  const visible = new Set(referenced);
  for (const stack = [...referenced]; stack.length; ) {
    for (const next of world.packs.get(stack.pop()!)?.references ?? []) {
      if (!visible.has(next)) {
        visible.add(next);
        stack.push(next);
      }
    }
  }

  const own = <K extends Kind>(kind: K) => new Set((doc[kind] as { id: string }[]).map((e) => e.id));
  const ownIds = Object.fromEntries(kinds.map((k) => [k, own(k)])) as Record<Kind, Set<string>>;

  /** Resolves an element named by this pack: its own, or one of a pack it references. */
  const resolve = (kind: Kind, id: string, path: string): boolean => {
    if (ownIds[kind].has(id)) return true;
    const found = world[kind].get(id);
    const noun = kindNames[kind];
    if (!found || found.packId === doc.id) {
      at(path, `no ${noun} '${id}' in this pack or in the packs it references`);
      return false;
    }
    if (found.packId === null) {
      at(path, `${noun} '${id}' is not declared by a pack, so a pack cannot use it`);
      return false;
    }
    if (!visible.has(found.packId)) {
      at(path, `${noun} '${id}' belongs to pack '${found.packId}'; list '${found.packId}' in references`);
      return false;
    }
    return true;
  };

  const ownClasses = new Map(doc.classes.map((c) => [c.id, c]));
  /** Base class of a class, wherever it is declared. */
  const baseOf = (id: string): string | null | undefined => {
    const mine = ownClasses.get(id);
    if (mine) return mine.baseClass ?? null;
    const there = world.classes.get(id);
    return there && there.packId !== doc.id ? there.baseClassId : undefined;
  };
  const propertiesOf = (id: string): string[] => {
    const mine = ownClasses.get(id);
    if (mine) return mine.properties.map((p) => p.name);
    const there = world.classes.get(id);
    return there && there.packId !== doc.id ? [...there.properties] : [];
  };
  /** The class and its bases, nearest first; stops at a cycle or an unknown class. */
  const chain = (id: string): string[] => {
    const out: string[] = [];
    let cur: string | null | undefined = id;
    while (cur && !out.includes(cur)) {
      out.push(cur);
      cur = baseOf(cur);
    }
    return out;
  };

  doc.classes.forEach((c, i) => {
    const path = `classes[${i}]`;
    if (!c.baseClass) {
      if (!(c.id === ROOT_CLASS_ID && doc.id === SYSTEM_LIBRARY_PACK_ID)) {
        at(`${path}.baseClass`, `is required: every class derives from ${ROOT_CLASS_ID} (directly or not)`);
      }
    } else if (c.baseClass === c.id) {
      at(`${path}.baseClass`, 'a class cannot derive from itself');
    } else if (resolve('classes', c.baseClass, `${path}.baseClass`)) {
      const bases = chain(c.baseClass);
      if (bases.includes(c.id)) {
        at(`${path}.baseClass`, `class '${c.id}' would derive from itself through '${c.baseClass}'`);
      } else {
        const inherited = new Map<string, string>();
        for (const b of bases) for (const p of propertiesOf(b)) if (!inherited.has(p)) inherited.set(p, b);
        c.properties.forEach((p, j) => {
          const from = inherited.get(p.name);
          if (from)
            at(`${path}.properties[${j}].name`, `property '${p.name}' is already defined by '${from}'`);
        });
      }
    }
    const names = new Set<string>();
    c.properties.forEach((p, j) => {
      if (names.has(p.name)) at(`${path}.properties[${j}].name`, `property '${p.name}' is declared twice`);
      names.add(p.name);
    });
  });

  doc.relationships.forEach((r, i) => {
    resolve('classes', r.source, `relationships[${i}].source`);
    resolve('classes', r.target, `relationships[${i}].target`);
  });

  doc.profiles.forEach((p, i) => {
    resolve('classes', p.contextClass, `profiles[${i}].contextClass`);
  });

  doc.workflows.forEach((w, i) => {
    resolve('classes', w.target, `workflows[${i}].target`);
    if (w.runAs) resolve('profiles', w.runAs, `workflows[${i}].runAs`);
  });

  const ownGroups = new Map(doc.groups.map((g) => [g.id, g]));
  doc.groups.forEach((g, i) => {
    g.rules.forEach((r, j) => {
      const path = `groups[${i}].rules[${j}]`;
      if (!resolve('classes', r.classId, `${path}.classId`)) return;
      const known = new Set([...OBJECT_FIELDS, ...chain(r.classId).flatMap(propertiesOf)]);
      r.conditions.forEach((c, k) => {
        if (!known.has(c.property)) {
          at(`${path}.conditions[${k}].property`, `class '${r.classId}' has no property '${c.property}'`);
        }
      });
    });
    const seen = new Set<string>();
    g.subgroups.forEach((s, j) => {
      const path = `groups[${i}].subgroups[${j}]`;
      if (seen.has(s)) at(path, `group '${s}' is listed twice`);
      seen.add(s);
      if (s === g.id) {
        at(path, 'a group cannot contain itself');
        return;
      }
      if (resolve('groups', s, path) && nestsInto(ownGroups, s, g.id)) {
        at(path, `group '${s}' already contains '${g.id}'; groups cannot nest in a cycle`);
      }
    });
  });

  return issues;
}

/** Elements whose ids another pack (or no pack) already owns: each is a conflict, not a validation error. */
export function findOwnershipConflicts(
  doc: PackDocument,
  world: PackWorld,
  locate = nativePath,
  /** A built-in pack may take over an element of the same kind from another built-in pack (an element moved between them). */
  builtIn = false,
): PackIssue[] {
  const issues: PackIssue[] = [];
  const movable = (kind: Kind, other: Kind, owner: string | null) =>
    builtIn && kind === other && owner !== null && world.packs.get(owner)?.builtIn === true;
  for (const kind of kinds) {
    (doc[kind] as { id: string }[]).forEach((e, i) => {
      for (const other of kinds) {
        const found = world[other].get(e.id);
        if (found && found.packId !== doc.id && !movable(kind, other, found.packId)) {
          const owner = found.packId ? `pack '${found.packId}'` : 'no pack (it was created directly)';
          issues.push({
            path: locate(`${kind}[${i}].id`),
            message: `'${e.id}' is already a ${kindNames[other]} owned by ${owner}`,
          });
        }
      }
    });
  }
  return issues;
}

function dependsOn(world: PackWorld, from: string, on: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === on) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(world.packs.get(id)?.references ?? []));
  }
  return false;
}

/** True when group `from` reaches `to` through subgroups declared in this pack. */
function nestsInto(groups: ReadonlyMap<string, { subgroups: string[] }>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(groups.get(id)?.subgroups ?? []));
  }
  return false;
}
