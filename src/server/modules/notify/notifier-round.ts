// One round of the notifier: recover what servers that are gone left, give up what is too old, then — side by
// side, so a storm of alert changes does not hold back what is queued — decide on alert changes until caught up
// and on delayed ones, and send until nothing is due. The steps are handed in, so the round's order stands alone.

export interface NotifierRoundSteps {
  /** Deliveries of servers that are gone back in hand. */
  recover(): Promise<unknown>;
  /** Deliveries too old to send given up. */
  expire(): Promise<unknown>;
  /** One page of alert changes decided; answers how many changes it read (0: caught up). */
  evaluate(): Promise<{ changes: number }>;
  /** Delayed notifications whose time has come queued. */
  collectDue(): Promise<unknown>;
  /** Up to `limit` due deliveries sent, a batch claimed while the one before is sent; answers how many. */
  deliver(limit: number, keepGoing: () => boolean): Promise<number>;
  /** Deliveries sent at once: one call to `deliver` sends 16 times as many at most: two claims of eight a worker. */
  concurrency: number;
}

/**
 * Runs one round. After each batch sent, changes committed meanwhile are read again, so a long send does not hold
 * back what they call for. Stops early when `keepGoing` says so (the server stops, or lost the Notifications
 * Resource Pool). The first failure of deciding is thrown once sending is done, as the round's.
 */
export async function runNotifierRound(s: NotifierRoundSteps, keepGoing: () => boolean): Promise<void> {
  await s.recover();
  await s.expire();
  let deciding: Promise<void> | undefined;
  /** The first failure of deciding: thrown once sending is done, as the round's. */
  let failed: { error: unknown } | undefined;
  const decideAgain = () => {
    deciding ??= (async () => {
      while (keepGoing() && (await s.evaluate()).changes > 0);
      await s.collectDue();
    })()
      .catch((error: unknown) => {
        failed ??= { error };
      })
      .finally(() => {
        deciding = undefined;
      });
  };
  decideAgain();
  while (keepGoing()) {
    // Nothing due after deciding ended: done. Nothing due while it goes on: look again shortly.
    const decided = !deciding;
    if ((await s.deliver(16 * s.concurrency, keepGoing)) > 0) {
      decideAgain();
      continue;
    }
    if (decided) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await deciding;
  if (failed) throw failed.error;
}
