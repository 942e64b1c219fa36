// The class tree: single inheritance rooted at System.Entity, with ancestors, descendants and inherited properties.

export const ROOT_CLASS = 'System.Entity';
export const COMPUTER_CLASS = 'System.Computer';
export const POOL_CLASS = 'System.ResourcePool';

export interface ClassNode {
  id: string;
  baseClassId: string | null;
  abstract: boolean;
  keyProperties: readonly string[];
  properties: readonly { name: string; type: string }[];
}

export interface ClassTree {
  has(id: string): boolean;
  get(id: string): ClassNode | undefined;
  /** The class itself, then its base, up to the root. A base that is missing or repeats ends the walk. */
  ancestors(id: string): string[];
  /** The class itself and every class derived from it, directly or not (breadth first). */
  descendants(id: string): string[];
  /** Whether `id` is `baseId` or derives from it. */
  isA(id: string, baseId: string): boolean;
  /** Properties declared by the class and its bases, the most basic first. */
  allProperties(id: string): { name: string; type: string }[];
  /** Key properties of the class and its bases, the most basic first. */
  allKeyProperties(id: string): string[];
}

export function createClassTree(classes: Iterable<ClassNode>): ClassTree {
  const byId = new Map<string, ClassNode>();
  const children = new Map<string, string[]>();
  for (const c of classes) byId.set(c.id, c);
  for (const c of byId.values()) {
    if (c.baseClassId === null) continue;
    const list = children.get(c.baseClassId);
    if (list) list.push(c.id);
    else children.set(c.baseClassId, [c.id]);
  }

  const ancestors = (id: string): string[] => {
    const out: string[] = [];
    const seen = new Set<string>();
    let cur = byId.get(id);
    while (cur && !seen.has(cur.id)) {
      seen.add(cur.id);
      out.push(cur.id);
      cur = cur.baseClassId === null ? undefined : byId.get(cur.baseClassId);
    }
    return out;
  };

  return {
    has: (id) => byId.has(id),
    get: (id) => byId.get(id),
    ancestors,
    descendants(id) {
      if (!byId.has(id)) return [];
      const out = [id];
      const seen = new Set(out);
      for (let i = 0; i < out.length; i++) {
        for (const child of children.get(out[i]!) ?? []) {
          if (seen.has(child)) continue;
          seen.add(child);
          out.push(child);
        }
      }
      return out;
    },
    isA: (id, baseId) => ancestors(id).includes(baseId),
    allProperties: (id) =>
      ancestors(id)
        .reverse()
        .flatMap((c) => byId.get(c)!.properties),
    allKeyProperties: (id) =>
      ancestors(id)
        .reverse()
        .flatMap((c) => byId.get(c)!.keyProperties),
  };
}
