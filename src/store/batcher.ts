// Group commit: requests that each need one small write are gathered for the rest of the event loop's turn and
// while the previous write runs, and written together in one statement, each caller answered from its result.

export interface Batcher<I, O> {
  /** Queues one item; settles once the statement holding it has run. */
  add(item: I): Promise<O>;
  /** Settles once everything queued before the call is written. */
  flush(): Promise<void>;
}

export interface BatcherOptions {
  /** Items in one batch, at most. */
  maxBatch?: number;
  /**
   * A failed batch of several items is written again item by item, so only the callers whose own item fails
   * are rejected (for a transaction that one bad item aborts for all). Otherwise the batch's callers all are.
   */
  retryAlone?: boolean;
  /**
   * Batches written at once, at most (1 by default). More lets a batch start while the one before it commits,
   * where the database takes several writers at once (PostgreSQL's pool, not PGlite's one connection).
   */
  concurrency?: number;
  /**
   * How long a writer gathers items before its first batch (ms); without it, the rest of the event loop's turn.
   * For writes nobody waits on (an agent's last contact): one statement a while instead of one a turn. `flush`
   * does not wait for it.
   */
  gatherMs?: number;
  /**
   * Lets the event loop take its I/O between one batch and the next (`setImmediate`), so a long queue of writes
   * nobody waits on is written in small steps between requests rather than in one run that holds them all up
   * (PGlite runs each statement on the main thread).
   */
  yieldBetween?: boolean;
  /**
   * With `gatherMs`: a batch is written as soon as this many items wait, without waiting out `gatherMs`; and
   * every batch, not only a writer's first, gathers so (for callers that come one at a time and can wait a
   * little: fewer, fuller statements).
   */
  gatherCount?: number;
}

/**
 * `write` runs one statement (or transaction) for the whole batch, in arrival order, and answers each item in
 * the same order. `concurrency` batches are written at a time (one unless told); a failure rejects that batch's
 * callers only.
 */
export function createBatcher<I, O>(
  write: (items: I[]) => Promise<O[]>,
  {
    maxBatch = 500,
    retryAlone = false,
    concurrency = 1,
    gatherMs,
    yieldBetween = false,
    gatherCount,
  }: BatcherOptions = {},
): Batcher<I, O> {
  let queue: { item: I; ok: (o: O) => void; fail: (e: unknown) => void }[] = [];
  /** The writers under way: each takes the next batch when it has written its last, until the queue is empty. */
  const writers = new Set<Promise<void>>();

  async function drain(self: Promise<void>) {
    while (queue.length) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const out = await write(batch.map((b) => b.item));
        for (const [i, b] of batch.entries()) b.ok(out[i]!);
      } catch (err) {
        if (!retryAlone || batch.length === 1) for (const b of batch) b.fail(err);
        else for (const b of batch) await write([b.item]).then(([o]) => b.ok(o!), b.fail);
      }
      if (yieldBetween && queue.length) await new Promise<void>((r) => setImmediate(r));
      if (gatherCount !== undefined && queue.length && queue.length < gatherCount) await gather();
    }
    // Left in the same turn as the last look at the queue: an item added after it starts a writer of its own.
    writers.delete(self);
  }

  /** Ends the gathering of the writers waiting for a batch. */
  const gathering = new Set<() => void>();
  const gathered = () => gatherCount !== undefined && queue.length >= gatherCount;
  // A writer's first batch waits for the end of this turn of the event loop (or `gatherMs`, or `gatherCount`
  // items): requests read from the network together (agents reconnecting at once) are written together, at the
  // cost of one turn.
  const gather = () =>
    new Promise<void>((r) => {
      if (gatherMs === undefined) return setImmediate(r);
      if (gathered()) return r();
      const timer = setTimeout(done, gatherMs);
      timer.unref();
      gathering.add(done);
      function done() {
        clearTimeout(timer);
        gathering.delete(done);
        r();
      }
    });
  const start = () => {
    if (writers.size >= concurrency) return;
    const writer: Promise<void> = gather().then(() => drain(writer));
    writers.add(writer);
  };

  return {
    add(item) {
      return new Promise<O>((ok, fail) => {
        queue.push({ item, ok, fail });
        start();
        if (gathered()) for (const done of [...gathering]) done();
      });
    },
    async flush() {
      while (writers.size || queue.length) {
        start();
        for (const done of [...gathering]) done();
        await Promise.all(writers);
      }
    },
  };
}
