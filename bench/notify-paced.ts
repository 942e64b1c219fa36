// The paced storm of `bench notify`: alerts raised at a steady rate (100 a second for 10 s by default), each
// caught by one subscription of its own, so each is one message: every one must arrive, and the delay from the
// raise to the message's receipt is what counts (p99 under 3 s), with the other subscriptions evaluated for
// every alert and matching none.
import type { Mail } from '../test/support/smtp-server.js';
import type { Admin } from './admin-session.js';
import { percentile, round } from './bench-stats.js';
import { messageIdOf, subjectOf } from './notify-smtp.js';

interface Receipts {
  mails: readonly Mail[];
}

const PACED = 'paced';
/** The goal: every message of the paced storm arrives within this long of its alert's raise, p99. */
export const PACED_GOAL_P99_MS = 3_000;

/** One subscriber with one address, and the one subscription that catches the paced storm's alerts. */
export async function setUpPaced(admin: Admin, channelId: string) {
  const subscriber = await admin<{ id: string }>('POST', '/api/v1/notification-subscribers', {
    name: 'Paced on call',
    addresses: [{ name: 'mail', kind: 'email', address: 'paced@bench.example' }],
  });
  await admin('POST', '/api/v1/notification-subscriptions', {
    name: 'Bench paced',
    criteria: { text: [{ field: 'custom2', op: 'equals', value: PACED }] },
    to: [subscriber.id],
    channelIds: [channelId],
  });
}

/**
 * Waits until `count()` reaches `expected`, or did not grow for `stallSeconds`; `report` is called with the count
 * every 10 s.
 */
export async function awaitReceipts(
  count: () => number,
  expected: number,
  stallSeconds: number,
  report?: (count: number) => void,
) {
  let seen = 0;
  let lastProgress = performance.now();
  let lastReport = performance.now();
  while (seen < expected && performance.now() - lastProgress < stallSeconds * 1000) {
    await new Promise((r) => setTimeout(r, 100));
    const now = count();
    if (now !== seen) lastProgress = performance.now();
    seen = now;
    if (report && performance.now() - lastReport > 10_000) {
      report(seen);
      lastReport = performance.now();
    }
  }
}

/**
 * Raises `rate` alerts a second for `seconds`, each at its own time (not waiting for the one before), and waits
 * until every message arrived or none came for `stallSeconds`.
 */
export async function measurePaced(
  admin: Admin,
  smtp: Receipts,
  o: { rate: number; seconds: number; stallSeconds: number },
  progress: (line: string) => void,
) {
  const count = Math.round(o.rate * o.seconds);
  progress(`paced storm: ${count} alerts at ${o.rate}/s, one message each`);
  const raisedAt = new Map<string, number>();
  const started = performance.now();
  const raises: Promise<void>[] = [];
  let late = 0;
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else if (wait < -50) late++;
    const at = performance.now();
    raises.push(
      admin<{ id: string }>('POST', '/api/v1/alerts', {
        name: `Paced alert ${i}`,
        severity: 'warning',
        priority: 'medium',
        custom: { '1': 'storm', '2': PACED },
      }).then((a) => {
        raisedAt.set(a.id, at);
      }),
    );
  }
  await Promise.all(raises);
  const raiseSeconds = (performance.now() - started) / 1000;
  const mine = () => smtp.mails.filter((m) => raisedAt.has(subjectOf(m)));
  await awaitReceipts(() => mine().length, count, o.stallSeconds);
  const received = mine();
  const delays = received.map((m) => m.at - raisedAt.get(subjectOf(m))!);
  const distinct = new Set(received.map((m) => messageIdOf(m))).size;
  const p99 = percentile(delays, 99);
  progress(`paced storm: ${received.length}/${count} messages, p99 delay ${p99.toFixed(0)} ms`);
  return {
    alerts: count,
    alertsPerSecond: o.rate,
    raiseSeconds: round(raiseSeconds, 2),
    /** Raises sent more than 50 ms after their time (the load generator fell behind). */
    lateRaises: late,
    messages: received.length,
    distinctMessageIds: distinct,
    missing: count - distinct,
    delayMs: {
      from: 'the raise request sent → the message received',
      p50: round(percentile(delays, 50), 1),
      p90: round(percentile(delays, 90), 1),
      p99: round(p99, 1),
      max: round(Math.max(...delays), 1),
    },
    goalP99Ms: PACED_GOAL_P99_MS,
    goalMet: distinct === count && p99 < PACED_GOAL_P99_MS,
  };
}
