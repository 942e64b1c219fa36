// The class tree for requests that only read: built once and dropped when the change feed brings a change
// to packs or classes, committed on this server or another. Writes keep reading it in their transaction.
import type { ClassTree } from '../../../domain/inventory/class-tree.js';
import type { Db } from '../../../store/db.js';
import type { Change } from '../resolution/resolution-service.js';
import { loadClassTree } from './inventory-shared.js';

/** Routes whose writes change classes: this server forgets the tree before it answers them. */
export const CLASS_ROUTES = /^\/api\/v1\/(classes|packs)(\/|$)/;

export interface ClassTreeCache {
  get(): Promise<ClassTree>;
  /** Forgets the tree: a change to classes was just committed here (the feed brings it later). */
  forget(): void;
  /** Follows the change feed; until then every call reads the database. */
  follow(feed: { onChange(listener: (c: Change) => void): unknown }): void;
}

export function createClassTreeCache(db: Db): ClassTreeCache {
  let tree: ClassTree | undefined;
  let following = false;
  let generation = 0;
  const forget = () => {
    generation++;
    tree = undefined;
  };
  return {
    forget,
    async get() {
      if (tree) return tree;
      const before = generation;
      const loaded = await loadClassTree(db);
      if (following && before === generation) tree = loaded;
      return loaded;
    },
    follow(feed) {
      following = true;
      feed.onChange((c) => {
        if (c.kind === 'reset' || c.kind.startsWith('pack.') || c.kind.startsWith('class.')) forget();
      });
    },
  };
}
