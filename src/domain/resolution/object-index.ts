// The objects of the resolution engine: one record per object, its class and its place in a hosting chain,
// and the runner (computer or pool) at the top of that chain.

import type { ClassIndex, ClassNode } from './class-index.js';
import type { Runner } from './distribution-index.js';
import { hashString } from './hash.js';
import type { ObjectDef } from './model.js';
import type { Slot } from './object-resolver.js';

/** Shared empty set: an object in no group, and what an unknown object reports. Never mutated. */
export const EMPTY: ReadonlySet<string> = new Set();

/**
 * One object and what the other indexes keep about it: kept on one record so the hot path reads fields,
 * not maps. The object index owns `def`, `cls`, `runner`, `hi` and `children`; the group index `direct` and
 * `containing`; the object resolver `res`, `sumA`, `sumB` and `epoch`.
 */
export interface ObjectRecord {
  def: ObjectDef;
  /** Its class, when the class index has it. */
  cls: ClassNode | undefined;
  runner: string;
  /** The distribution index's record of that runner, once filed there (owned by it). */
  runnerRec: Runner | undefined;
  hi: number;
  /** Its place in the list of its class's objects. */
  classPos: number;
  /** What it hosts. */
  children: Set<ObjectRecord> | undefined;
  /** Groups that hold this object directly: explicit members and rule matches. */
  direct: string[];
  /** Every group that contains it: through nesting and through its hosts (shared with the host when equal). */
  containing: ReadonlySet<string>;
  /** One resolution per profile of the class, in ClassNode.profiles order. */
  res: Slot[];
  sumA: number;
  sumB: number;
  /** The class's epoch when `res` was last computed in full (owned by the object resolver). */
  epoch: number;
}

const NONE: readonly ObjectRecord[] = [];
/** Shared by every new object until the group index files it; replaced, never mutated. */
const NONE_DIRECT: string[] = [];

export type ObjectIndex = ReturnType<typeof createObjectIndex>;

export function createObjectIndex(classes: Pick<ClassIndex, 'get'>) {
  const objects = new Map<string, ObjectRecord>();
  const byClass = new Map<string, ObjectRecord[]>();

  /** The runner of a new object: itself at the top of a chain, else its host's (or the host id, if unknown). */
  function runnerOf(def: ObjectDef, host: ObjectRecord | undefined): string {
    if (def.hostId === null) return def.id;
    return host ? host.runner : def.hostId;
  }

  return {
    get: (id: string): ObjectRecord | undefined => objects.get(id),
    has: (id: string): boolean => objects.has(id),
    values: (): IterableIterator<ObjectRecord> => objects.values(),
    size: (): number => objects.size,
    /** The objects of exactly this class (not derived ones), in no particular order. */
    ofClass: (classId: string): readonly ObjectRecord[] => byClass.get(classId) ?? NONE,

    /**
     * Records a new object under its host, in no group and with nothing resolved yet. `host` is the host's
     * record when the caller has looked it up already.
     */
    insert(def: ObjectDef, host = def.hostId === null ? undefined : objects.get(def.hostId)): ObjectRecord {
      const obj: ObjectRecord = {
        def,
        cls: classes.get(def.classId),
        runner: runnerOf(def, host),
        runnerRec: undefined,
        hi: hashString(def.id),
        classPos: 0,
        children: undefined,
        direct: NONE_DIRECT,
        containing: EMPTY,
        res: [],
        sumA: 0,
        sumB: 0,
        epoch: 0,
      };
      objects.set(def.id, obj);
      let list = byClass.get(def.classId);
      if (!list) {
        list = [];
        byClass.set(def.classId, list);
      }
      obj.classPos = list.length;
      list.push(obj);
      if (host) {
        host.children ??= new Set();
        host.children.add(obj);
      }
      return obj;
    },

    /** Forgets one object; what it hosts must have been removed first. */
    delete(obj: ObjectRecord): void {
      const id = obj.def.id;
      const list = byClass.get(obj.def.classId)!;
      const last = list.pop()!;
      if (last !== obj) {
        list[obj.classPos] = last;
        last.classPos = obj.classPos;
      }
      if (obj.def.hostId) objects.get(obj.def.hostId)?.children?.delete(obj);
      objects.delete(id);
    },

    /** The object's hosts, nearest first, as far as the index knows them. */
    hostChain(id: string): string[] {
      const out: string[] = [];
      let cur = objects.get(id);
      while (cur?.def.hostId) {
        out.push(cur.def.hostId);
        cur = objects.get(cur.def.hostId);
      }
      return out;
    },

    /** How many hosts lie above the object. */
    depth(id: string): number {
      let d = 0;
      let cur = objects.get(id);
      while (cur?.def.hostId) {
        d++;
        cur = objects.get(cur.def.hostId);
      }
      return d;
    },

    /** Definitions of everything the object hosts, each host before what it hosts (depth first). */
    hostedDefs(id: string): ObjectDef[] {
      const out: ObjectDef[] = [];
      const collect = (o: ObjectRecord | undefined) => {
        for (const c of o?.children ?? []) {
          out.push(c.def);
          collect(c);
        }
      };
      collect(objects.get(id));
      return out;
    },
  };
}
