// The scope path of the resource a request touches, read from its path parameters (or query) before the
// handler runs: what an identity token's role assignments are checked against. An unknown resource is a 404,
// as it is for a person.
import { eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { parseScope, scopePath } from '../../../domain/resource-roles.js';
import type { Executor } from '../../../store/db.js';
import {
  accounts,
  automationAccounts,
  automationJobs,
  automationSchedules,
  automationWebhooks,
  roleAssignments,
  runbooks,
} from '../../../store/schema.js';
import { notFound } from '../../errors.js';

/** Resolves the scope path a request's resource sits at. */
export type ScopeResolver = (req: FastifyRequest) => Promise<string>;

const field = (from: unknown, name: string): string | undefined => {
  const v = (from as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined;
};
const param = (req: FastifyRequest, name: string) => field(req.params, name) ?? '';

export type ResourceScopes = ReturnType<typeof createResourceScopes>;

export function createResourceScopes(db: Executor) {
  const account = async (id: string) => {
    const row = (
      await db
        .select({ id: automationAccounts.id })
        .from(automationAccounts)
        .where(eq(automationAccounts.id, id))
    )[0];
    if (!row) throw notFound('Automation account', id);
    return scopePath({ kind: 'automationAccount', accountId: row.id });
  };
  const runbook = async (id: string, what = 'Runbook') => {
    const row = (
      await db
        .select({ id: runbooks.id, accountId: runbooks.automationAccountId })
        .from(runbooks)
        .where(eq(runbooks.id, id))
    )[0];
    if (!row) throw notFound(what, id);
    return scopePath({ kind: 'runbook', accountId: row.accountId, runbookId: row.id });
  };

  return {
    /** The management group: routes over every resource of a kind (lists without a filter, creation). */
    managementGroup: (): ScopeResolver => async () => '/',

    /** The automation account named by a path parameter. */
    account:
      (name: string): ScopeResolver =>
      (req) =>
        account(param(req, name)),

    runbook:
      (name: string): ScopeResolver =>
      (req) =>
        runbook(param(req, name)),

    /** A job sits at its runbook. */
    job:
      (name: string): ScopeResolver =>
      async (req) => {
        const id = param(req, name);
        const row = (
          await db
            .select({ accountId: automationJobs.automationAccountId, runbookId: automationJobs.runbookId })
            .from(automationJobs)
            .where(eq(automationJobs.id, id))
        )[0];
        if (!row) throw notFound('Job', id);
        // A job whose runbook was deleted sits at its account.
        return scopePath(
          row.runbookId
            ? { kind: 'runbook', accountId: row.accountId, runbookId: row.runbookId }
            : { kind: 'automationAccount', accountId: row.accountId },
        );
      },

    /** Jobs listed: of the runbook or account the query names, else of the whole management group. */
    jobList: (): ScopeResolver => async (req) => {
      const rb = field(req.query, 'runbook');
      if (rb) return runbook(rb);
      const aa = field(req.query, 'account');
      return aa ? account(aa) : '/';
    },

    schedule:
      (name: string): ScopeResolver =>
      async (req) => {
        const id = param(req, name);
        const row = (
          await db
            .select({ id: automationSchedules.id, accountId: automationSchedules.automationAccountId })
            .from(automationSchedules)
            .where(eq(automationSchedules.id, id))
        )[0];
        if (!row) throw notFound('Schedule', id);
        return scopePath({ kind: 'schedule', accountId: row.accountId, scheduleId: row.id });
      },

    /** A webhook starts its runbook: it sits at the runbook. */
    webhook:
      (name: string): ScopeResolver =>
      async (req) => {
        const id = param(req, name);
        const row = (
          await db
            .select({ runbookId: automationWebhooks.runbookId })
            .from(automationWebhooks)
            .where(eq(automationWebhooks.id, id))
        )[0];
        if (!row) throw notFound('Webhook', id);
        return runbook(row.runbookId);
      },

    runAsAccount:
      (name: string): ScopeResolver =>
      async (req) => {
        const id = param(req, name);
        const row = (await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, id)))[0];
        if (!row) throw notFound('Run As account', id);
        return scopePath({ kind: 'runAsAccount', runAsAccountId: row.id });
      },

    roleAssignment:
      (name: string): ScopeResolver =>
      async (req) => {
        const id = param(req, name);
        const row = (
          await db
            .select({ scope: roleAssignments.scope })
            .from(roleAssignments)
            .where(eq(roleAssignments.id, id))
        )[0];
        if (!row) throw notFound('Role assignment', id);
        return row.scope;
      },

    /** Role assignments listed: at and beneath the scope the query names, else the management group. */
    roleAssignmentList: (): ScopeResolver => async (req) => {
      const scope = field(req.query, 'scope');
      // A path that is not a scope is refused by the query's schema; until then it stands for everything.
      return scope && parseScope(scope) ? scope : '/';
    },
  };
}
