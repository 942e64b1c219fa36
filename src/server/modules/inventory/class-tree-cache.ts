// The class tree from memory: for reads, kept current by the change feed (dropped when it brings a change to
// packs or classes, committed on this server or another); for writes, checked in their transaction against
// the class generation the database moves on every change to classes, and read again when it moved.
import type { ClassTree } from '../../../domain/inventory/class-tree.js';
import type { Db, Executor } from '../../../store/db.js';
import type { Change } from '../resolution/resolution-service.js';
import { classGeneration } from './classes-repo.js';
import { loadClassTree } from './inventory-shared.js';

/** Routes whose writes change classes: this server forgets the tree before it answers them. */
export const CLASS_ROUTES = /^\/api\/v1\/(classes|packs)(\/|$)/;

export interface ClassTreeCache {
  get(): Promise<ClassTree>;
  /**
   * The tree as the transaction `tx` sees it: from memory when no class changed since, else read in `tx`.
   * `at` is the class generation when the caller has already read it in `tx` (`CLASS_GENERATION`).
   */
  inTransaction(tx: Executor, at?: string): Promise<ClassTree>;
  /** Forgets the tree: a change to classes was just committed here (the feed brings it later). */
  forget(): void;
  /** Follows the change feed; until then every call reads the database. */
  follow(feed: { onChange(listener: (c: Change) => void): unknown }): void;
}

export function createClassTreeCache(db: Db): ClassTreeCache {
  let tree: ClassTree | undefined;
  let following = false;
  let generation = 0;
  /** The last tree read inside a write's transaction, with the class generation it was read at. */
  let checked: { tree: ClassTree; at: string } | undefined;
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
    async inTransaction(tx, known) {
      const at = known ?? (await classGeneration(tx));
      if (checked?.at === at) return checked.tree;
      // Read after the generation: a change committed in between is in the tree, and moves the number on.
      const loaded = await loadClassTree(tx);
      checked = { tree: loaded, at };
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
