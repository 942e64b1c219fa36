// Timers for scheduled workflows: every N seconds (first run at once) or on a cron expression (croner).
import { Cron } from 'croner';
import type { AgentWorkflow } from '../contract/results.js';

export type Schedule = NonNullable<AgentWorkflow['schedule']>;

export interface ScheduledItem {
  id: string;
  schedule: Schedule;
}

export interface Scheduler {
  /** Makes the timers match `items`: new ones start, changed ones restart, missing ones stop; nothing once stopped. */
  sync(items: ScheduledItem[]): void;
  /** Ids with a timer, sorted. */
  ids(): string[];
  stop(): void;
}

interface Job {
  key: string;
  cancel(): void;
}

const scheduleKey = (s: Schedule) =>
  'cron' in s ? `cron:${s.cron.trim().replace(/\s+/g, ' ')}` : `every:${s.intervalSeconds}`;

/** `onDue(id)` is called each time an item is due; it must not throw (errors are the caller's to log). */
export function createScheduler(onDue: (id: string) => void): Scheduler {
  const jobs = new Map<string, Job>();

  function start(item: ScheduledItem): Job {
    const s = item.schedule;
    if ('cron' in s) {
      const cron = new Cron(s.cron, { catch: true }, () => onDue(item.id));
      return { key: scheduleKey(s), cancel: () => cron.stop() };
    }
    const first = setTimeout(() => onDue(item.id), 0);
    const every = setInterval(() => onDue(item.id), s.intervalSeconds * 1000);
    return {
      key: scheduleKey(s),
      cancel: () => {
        clearTimeout(first);
        clearInterval(every);
      },
    };
  }

  let stopped = false;
  return {
    sync(items) {
      // A configuration applied while the agent stops must not start timers again.
      if (stopped) return;
      const wanted = new Map(items.map((i) => [i.id, i]));
      for (const [id, job] of jobs) {
        const next = wanted.get(id);
        if (!next || scheduleKey(next.schedule) !== job.key) {
          job.cancel();
          jobs.delete(id);
        }
      }
      for (const item of items) if (!jobs.has(item.id)) jobs.set(item.id, start(item));
    },
    ids: () => [...jobs.keys()].sort(),
    stop() {
      stopped = true;
      for (const job of jobs.values()) job.cancel();
      jobs.clear();
    },
  };
}
