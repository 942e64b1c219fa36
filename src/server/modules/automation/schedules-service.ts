// Schedules: recurrences of an automation account linked to runbooks with parameter values and a run-on
// target; and their firing, on the server that holds the Automation Pool. A firing is claimed by moving the
// schedule's next run on in the transaction that starts one job per link, so each firing happens once
// whichever servers look; a schedule that fell due while no server looked fires once, not once per missed run.
import type { z } from 'zod';
import type {
  createScheduleBody,
  linkScheduleBody,
  updateScheduleBody,
} from '../../../contract/automation-schedules.js';
import { newId } from '../../../contract/ids.js';
import {
  checkKeptParameterValues,
  type ParameterDeclaration,
} from '../../../domain/automation/parameters.js';
import {
  checkRecurrence,
  type MonthlyOccurrence,
  nextRunAfter,
  type Recurrence,
  type ScheduleFrequency,
  type WeekDay,
} from '../../../domain/automation/schedules.js';
import { scopePath } from '../../../domain/resource-roles.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import { deleteAssignmentsAtOrBeneath } from '../roles/role-assignments-repo.js';
import * as automationRepo from './automation-repo.js';
import { invalidIssues, mustFindAccount, nameTaken, uniquely } from './automation-shared.js';
import type { JobsService } from './jobs-service.js';
import type { RunbooksService } from './runbooks-service.js';
import * as repo from './schedules-repo.js';

export interface SchedulesServiceDeps {
  db: Db;
  jobs: Pick<JobsService, 'start'>;
  runbooks: Pick<RunbooksService, 'runnable'>;
  now?: () => Date;
}

export interface ScheduleView {
  row: repo.ScheduleRow;
  links: repo.ScheduleLinkRow[];
}

export type SchedulesService = ReturnType<typeof createSchedulesService>;

/** What one link of a firing did: the job it started, or why it started none. */
export type LinkOutcome = { runbookId: string; jobId: string } | { runbookId: string; error: string };

/** Firings a round looks at, at most. */
const FIRE_BATCH = 100;

export const recurrenceOf = (r: repo.ScheduleRow): Recurrence => ({
  frequency: r.frequency as ScheduleFrequency,
  interval: r.interval,
  startTime: r.startTime,
  expiryTime: r.expiryTime,
  timeZone: r.timeZone,
  weekDays: r.weekDays as WeekDay[],
  monthDays: r.monthDays,
  monthlyOccurrences: r.monthlyOccurrences as MonthlyOccurrence[],
  cron: r.cron,
});

/** Fields that belong to one frequency only, cleared when the frequency changes and they are not given. */
const ownFields: Record<string, ScheduleFrequency> = {
  weekDays: 'week',
  monthDays: 'month',
  monthlyOccurrences: 'month',
  cron: 'cron',
};

export function createSchedulesService(d: SchedulesServiceDeps) {
  const { db } = d;
  const now = d.now ?? (() => new Date());
  const taken = (name: string) => () => nameTaken('A schedule', name, ' in this automation account');

  async function mustFind(ex: Db | Tx, id: string) {
    const row = await repo.findSchedule(ex, id);
    if (!row) throw notFound('Schedule', id);
    return row;
  }

  async function view(ex: Db | Tx, row: repo.ScheduleRow): Promise<ScheduleView> {
    return { row, links: await repo.linksOf(ex, [row.id]) };
  }

  /** Checks a definition and answers its next run after now; 400 naming the field that makes it wrong. */
  function planned(r: Recurrence, enabled: boolean): Date | null {
    const issues = checkRecurrence(r);
    if (issues.length) throw invalidIssues('body', issues);
    const at = now();
    const next = nextRunAfter(r, at);
    if (!next) {
      const path =
        r.frequency === 'onetime'
          ? 'startTime'
          : r.expiryTime && r.expiryTime <= at
            ? 'expiryTime'
            : r.frequency === 'month'
              ? 'monthDays'
              : 'frequency';
      throw invalidIssues('body', [
        {
          path,
          message:
            r.frequency === 'onetime'
              ? 'is in the past: a one-time schedule would never run'
              : 'leaves no run after now: the schedule would never run',
        },
      ]);
    }
    return enabled ? next : null;
  }

  /** One firing: claimed, then one job per link, all in one transaction; undefined when another claimed it. */
  async function fire(s: repo.ScheduleRow, at: Date): Promise<LinkOutcome[] | undefined> {
    const due = s.nextRunAt;
    if (!due) return undefined;
    const next = nextRunAfter(recurrenceOf(s), at);
    return db.transaction(async (tx) => {
      if (!(await repo.claimFiring(tx, s.id, due, next))) return undefined;
      const outcomes: LinkOutcome[] = [];
      for (const link of await repo.linksOf(tx, [s.id])) {
        try {
          // A savepoint per link: one that cannot start (unpublished, parameters no longer fit, the account's
          // start rate) leaves the others and the claim standing.
          const job = await tx.transaction((sp) =>
            d.jobs.start(
              { kind: 'schedule', id: s.id },
              link.runbookId,
              { parameters: link.parameters, runOn: link.runOn, test: false },
              sp,
            ),
          );
          outcomes.push({ runbookId: link.runbookId, jobId: job.id });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          outcomes.push({ runbookId: link.runbookId, error: err.message });
        }
      }
      await appendAudit(
        tx,
        {
          actor: `schedule:${s.id}`,
          kind: 'schedule.fire',
          target: s.id,
          details: {
            automationAccountId: s.automationAccountId,
            due: due.toISOString(),
            late: at.getTime() - due.getTime() > 60_000,
            next: next?.toISOString() ?? null,
            links: outcomes,
          },
        },
        at,
      );
      return outcomes;
    });
  }

  return {
    async list(accountId: string): Promise<ScheduleView[]> {
      await mustFindAccount(db, accountId);
      const rows = await repo.listSchedules(db, accountId);
      const links = await repo.linksOf(
        db,
        rows.map((r) => r.id),
      );
      return rows.map((row) => ({ row, links: links.filter((l) => l.scheduleId === row.id) }));
    },

    get: async (id: string) => view(db, await mustFind(db, id)),

    async create(p: Principal, accountId: string, body: z.infer<typeof createScheduleBody>) {
      const recurrence: Recurrence = {
        frequency: body.frequency,
        interval: body.interval,
        startTime: new Date(body.startTime),
        expiryTime: body.expiryTime ? new Date(body.expiryTime) : null,
        timeZone: body.timeZone,
        weekDays: body.weekDays,
        monthDays: body.monthDays,
        monthlyOccurrences: body.monthlyOccurrences as MonthlyOccurrence[],
        cron: body.cron ?? null,
      };
      const nextRunAt = planned(recurrence, body.enabled);
      return uniquely(
        () =>
          db.transaction(async (tx) => {
            await mustFindAccount(tx, accountId);
            if (await repo.findScheduleByName(tx, accountId, body.name)) throw taken(body.name)();
            const id = newId('schedule');
            const row = await repo.insertSchedule(tx, {
              id,
              automationAccountId: accountId,
              name: body.name,
              description: body.description ?? '',
              ...recurrence,
              weekDays: [...recurrence.weekDays],
              monthDays: [...recurrence.monthDays],
              monthlyOccurrences: [...recurrence.monthlyOccurrences],
              enabled: body.enabled,
              nextRunAt,
            });
            await appendAudit(tx, {
              actor: actorOf(p),
              kind: 'schedule.create',
              target: id,
              details: {
                automationAccountId: accountId,
                name: body.name,
                frequency: body.frequency,
                interval: body.interval,
                timeZone: body.timeZone,
                enabled: body.enabled,
              },
            });
            return view(tx, row);
          }),
        taken(body.name),
      );
    },

    async update(p: Principal, id: string, body: z.infer<typeof updateScheduleBody>) {
      const name = body.name;
      return uniquely(
        () =>
          db.transaction(async (tx) => {
            const row = await mustFind(tx, id);
            if (
              name &&
              name !== row.name &&
              (await repo.findScheduleByName(tx, row.automationAccountId, name))
            )
              throw taken(name)();
            const merged = { ...recurrenceOf(row) };
            const frequency = body.frequency ?? merged.frequency;
            if (frequency !== merged.frequency)
              for (const [field, own] of Object.entries(ownFields))
                if (own !== frequency && !(field in body))
                  Object.assign(merged, { [field]: field === 'cron' ? null : [] });
            const recurrence: Recurrence = {
              ...merged,
              frequency,
              ...(body.interval !== undefined ? { interval: body.interval } : {}),
              ...(body.startTime !== undefined ? { startTime: new Date(body.startTime) } : {}),
              ...(body.expiryTime !== undefined
                ? { expiryTime: body.expiryTime ? new Date(body.expiryTime) : null }
                : {}),
              ...(body.timeZone !== undefined ? { timeZone: body.timeZone } : {}),
              ...(body.weekDays !== undefined ? { weekDays: body.weekDays } : {}),
              ...(body.monthDays !== undefined ? { monthDays: body.monthDays } : {}),
              ...(body.monthlyOccurrences !== undefined
                ? { monthlyOccurrences: body.monthlyOccurrences as MonthlyOccurrence[] }
                : {}),
              ...(body.cron !== undefined ? { cron: body.cron } : {}),
            };
            // A frequency that changes to one without an interval drops the old interval.
            if ((frequency === 'onetime' || frequency === 'cron') && body.interval === undefined)
              recurrence.interval = 1;
            const enabled = body.enabled ?? row.enabled;
            const nextRunAt = planned(recurrence, enabled);
            const next = (await repo.updateSchedule(tx, id, {
              ...(name ? { name } : {}),
              ...(body.description !== undefined ? { description: body.description } : {}),
              ...recurrence,
              weekDays: [...recurrence.weekDays],
              monthDays: [...recurrence.monthDays],
              monthlyOccurrences: [...recurrence.monthlyOccurrences],
              enabled,
              nextRunAt,
            }))!;
            await appendAudit(tx, {
              actor: actorOf(p),
              kind: 'schedule.update',
              target: id,
              details: {
                changed: Object.keys(body),
                ...(name && name !== row.name ? { name: { from: row.name, to: name } } : {}),
                ...(body.enabled !== undefined ? { enabled } : {}),
              },
            });
            return view(tx, next);
          }),
        taken(name ?? ''),
      );
    },

    async remove(p: Principal, id: string) {
      await db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        const links = await repo.linksOf(tx, [id]);
        await repo.deleteSchedule(tx, id);
        const roleAssignmentsRemoved = await deleteAssignmentsAtOrBeneath(
          tx,
          scopePath({ kind: 'schedule', accountId: row.automationAccountId, scheduleId: id }),
        );
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'schedule.delete',
          target: id,
          details: {
            automationAccountId: row.automationAccountId,
            name: row.name,
            runbooks: links.map((l) => l.runbookId),
            roleAssignmentsRemoved,
          },
        });
      });
    },

    /** Links a runbook of the same account (published), or replaces the link's values; `created` when new. */
    async link(p: Principal, id: string, runbookId: string, body: z.infer<typeof linkScheduleBody>) {
      return db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        const runbook = await automationRepo.findRunbook(tx, runbookId);
        if (!runbook || runbook.automationAccountId !== row.automationAccountId)
          throw new AppError(
            'NOT_FOUND',
            `Runbook '${runbookId}' was not found in the schedule's automation account.`,
            [{ path: 'params.runbookId', message: 'no such runbook in this automation account' }],
          );
        if (body.runOn !== 'cloud')
          throw new AppError('NOT_FOUND', `There is no hybrid worker group '${body.runOn}'.`, [
            { path: 'body.runOn', message: 'no such hybrid worker group' },
          ]);
        const runnable = await d.runbooks.runnable(runbookId, {}, tx);
        const issues = checkKeptParameterValues(
          runnable.parameters as ParameterDeclaration[],
          body.parameters,
        );
        if (issues.length) throw invalidIssues('body.parameters', issues);
        const created = await repo.upsertLink(tx, {
          scheduleId: id,
          runbookId,
          parameters: body.parameters,
          runOn: body.runOn,
        });
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'schedule.link',
          target: id,
          details: {
            runbookId,
            runOn: body.runOn,
            parameters: Object.keys(body.parameters),
            replaced: !created,
          },
        });
        return { created, view: await view(tx, row) };
      });
    },

    async unlink(p: Principal, id: string, runbookId: string) {
      await db.transaction(async (tx) => {
        await mustFind(tx, id);
        if (!(await repo.deleteLink(tx, id, runbookId)))
          throw new AppError('NOT_FOUND', `Runbook '${runbookId}' is not linked to schedule '${id}'.`, [
            { path: 'params.runbookId', message: 'is not linked to this schedule' },
          ]);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'schedule.unlink',
          target: id,
          details: { runbookId },
        });
      });
    },

    /**
     * Fires the schedules due now, each once (a round of the Automation Pool's holder). Answers the firings
     * this server made; those another server claimed first are not among them.
     */
    async fireDue(): Promise<{ scheduleId: string; links: LinkOutcome[] }[]> {
      const at = now();
      const fired: { scheduleId: string; links: LinkOutcome[] }[] = [];
      for (const s of await repo.dueSchedules(db, at, FIRE_BATCH)) {
        const links = await fire(s, at);
        if (links) fired.push({ scheduleId: s.id, links });
      }
      return fired;
    },
  };
}
