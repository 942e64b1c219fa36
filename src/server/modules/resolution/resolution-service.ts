// Keeps the resolution engine in step with the database by following the audit log, which records every
// change in commit order; local writes ask it to catch up at once, other servers' writes arrive by a notice
// at their commit (PostgreSQL's LISTEN/NOTIFY), or by the poll kept as the fallback.
import { sql } from 'drizzle-orm';
import type { ObjectDef, RunnerDef } from '../../../domain/resolution/model.js';
import {
  createResolutionEngine,
  type ResolutionEngine,
} from '../../../domain/resolution/resolution-engine.js';
import type { Db } from '../../../store/db.js';
import { auditLog } from '../../../store/schema.js';
import * as load from './resolution-loader.js';

export interface ResolutionServiceDeps {
  db: Db;
  /** Servers whose heartbeat is older than this are not pool members. */
  serverTimeoutMs: number;
  /** How often to look for other servers' changes: the fallback when notices are missing or late. */
  pollMs?: number;
  /** Notices of other servers' changes as they commit (PostgreSQL's LISTEN); returns the function that stops them. */
  listen?: (onNotice: () => void) => () => Promise<void>;
  onError?: (err: unknown) => void;
  now?: () => Date;
}

export type ResolutionService = ReturnType<typeof createResolutionService>;

/**
 * One committed change as the audit log records it (audit kinds have a dot), or kind `reset`: changes were
 * skipped, forget everything.
 */
export interface Change {
  kind: string;
  target: string | null;
}

/** What a page of audit records changed, read in one query per kind of row. */
interface PageReads {
  objects: Map<string, ObjectDef | undefined>;
  runners: Map<string, RunnerDef | undefined>;
}

/** Audit records read per query while catching up. */
const CATCH_UP_PAGE = 500;

/** Audit kinds whose change reaches classes or workflows: the engine is rebuilt from scratch. */
const rebuildPrefixes = ['pack.', 'class.', 'workflow.', 'profile.'];

export function createResolutionService(d: ResolutionServiceDeps) {
  const now = d.now ?? (() => new Date());
  let engine: ResolutionEngine | undefined;
  let lastSeq = 0;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  const listeners = new Set<(runners: string[]) => void>();
  const changeListeners = new Set<(change: Change) => void>();
  const emit = (change: Change) => {
    for (const l of changeListeners) l(change);
  };

  const liveSince = () => new Date(now().getTime() - d.serverTimeoutMs);

  async function rebuild() {
    const [head] = await d.db.select({ seq: sql<number>`coalesce(max(${auditLog.seq}), 0)` }).from(auditLog);
    const seq = Number(head?.seq ?? 0);
    engine = createResolutionEngine(await load.loadResolutionInput(d.db, liveSince()));
    lastSeq = seq;
    // Records between the last one followed and the head were not seen one by one: caches start over.
    emit({ kind: 'reset', target: null });
    notify(engine.runnerIds());
  }

  function notify(runners: string[]) {
    if (runners.length) for (const l of listeners) l(runners);
  }

  async function apply(
    e: ResolutionEngine,
    kind: string,
    target: string | null,
    read: PageReads,
  ): Promise<'rebuild' | undefined> {
    if (rebuildPrefixes.some((p) => kind.startsWith(p))) return 'rebuild';
    if (!target) return undefined;
    const [entity] = kind.split('.');
    switch (entity) {
      case 'account': {
        const a = await load.loadAccount(d.db, target);
        if (a) e.setAccount(a);
        else e.removeAccount(target);
        return undefined;
      }
      case 'association': {
        const a = await load.loadAssociation(d.db, target);
        if (a) e.setAssociation(a);
        else e.removeAssociation(target);
        return undefined;
      }
      case 'object': {
        const o = read.objects.has(target) ? read.objects.get(target) : await load.loadObject(d.db, target);
        if (o) e.upsertObject(o);
        else e.removeObject(target);
        return undefined;
      }
      case 'computer':
      case 'pool': {
        const r = (read.runners.has(target) ? read.runners : await load.loadRunners(d.db, [target])).get(
          target,
        );
        const o = read.objects.has(target) ? read.objects.get(target) : await load.loadObject(d.db, target);
        if (r && o) {
          e.setRunner(r);
          e.upsertObject(o);
        } else {
          e.removeObject(target);
          e.removeRunner(target);
        }
        if (entity === 'pool') for (const p of await load.loadPools(d.db, liveSince())) e.setPoolMembers(p);
        return undefined;
      }
      case 'group': {
        const g = await load.loadGroup(d.db, target);
        if (g) e.setGroup(g);
        else e.removeGroup(target);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  async function catchUpNow() {
    if (!engine) return rebuild();
    for (;;) {
      // The page's records with the objects and runners they changed, read together (as they are now: a later
      // record of the page finds the same).
      const { records: rows, ...read } = await load.loadChangesAfter(d.db, lastSeq, CATCH_UP_PAGE);
      let rebuilt = false;
      for (const r of rows) {
        emit({ kind: r.kind, target: r.target });
        if ((await apply(engine, r.kind, r.target, read)) === 'rebuild') {
          await rebuild();
          rebuilt = true;
          break;
        }
        lastSeq = r.seq;
      }
      // A page that was not full was the end of the log when it was read: no second query to learn that.
      if (!rebuilt && rows.length < CATCH_UP_PAGE) break;
    }
    notify(engine.drainChanged());
  }

  /**
   * Serialises catch-ups: one at a time, in order. Callers that arrive while one waits to start share it:
   * it starts after their call, so it sees what they committed, and a burst of callers (every long-poll an
   * association change wakes) costs one pass over the audit log, not one each.
   */
  let queued: Promise<void> | undefined;
  const catchUp = (): Promise<void> => {
    if (queued) return queued;
    const next = running
      .then(() => {
        queued = undefined;
        return catchUpNow();
      })
      .catch((err) => d.onError?.(err));
    queued = next;
    running = next;
    return next;
  };

  return {
    async start() {
      await catchUp();
      unlisten = d.listen?.(() => void catchUp());
      if (d.pollMs) {
        timer = setInterval(() => void catchUp(), d.pollMs);
        timer.unref();
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      await unlisten?.();
    },
    catchUp,
    /** The engine after a catch-up of its own: it sees every change committed before the call. */
    async current(): Promise<ResolutionEngine> {
      await catchUp();
      return engine!;
    },
    /**
     * The engine once the catch-up under way (if any) ends, with no query of its own: for the requests every
     * agent makes, whose staleness is bounded by the catch-up each local write starts before it answers and
     * by the poll for other servers' writes.
     */
    async latest(): Promise<ResolutionEngine> {
      if (!engine) return this.current();
      await (queued ?? running);
      return engine;
    },
    /**
     * Called with every committed change, in commit order, as this server learns of it: at once for its own
     * writes (the catch-up each write starts), within the poll (or a notice) for other servers' writes.
     */
    onChange(listener: (change: Change) => void) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    /** Called with the runners whose configuration tag may have changed. */
    onRunnersChanged(listener: (runners: string[]) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
