// Moves an automation account off its legacy Run As account (R65), step by step, each audited and safe to run
// again: (1) the system-assigned identity is enabled if absent (user-assigned ones kept); (2) it gets the Run As
// principal's role assignments — or, least privilege, only what the principal's audited writes needed; (3) every
// runbook whose draft or published version signs in with Run As gets a new draft rewritten to sign in with the
// identity (what cannot be rewritten safely is listed by line, never guessed); (4) with `test` or `publish`, each
// draft with nothing left by hand is test-run; (5) with `publish`, those whose test run passed are published, as
// tested. A dry run reports the same plan and changes nothing; one migration of an account runs at a time.
import { and, eq, gte } from 'drizzle-orm';
import { newId } from '../../../contract/ids.js';
import { RUN_AS_CERTIFICATE_ASSET, RUN_AS_CONNECTION_ASSET } from '../../../contract/runas.js';
import type { MigrateRunAsBody, MigrationReport } from '../../../contract/runas-migrate.js';
import {
  actionOfAuditKind,
  leastPrivilegeRoles,
  rewriteDiff,
} from '../../../domain/automation/runas-migration.js';
import { rewriteRunAsSignIn } from '../../../domain/automation/runas-rewrite.js';
import type { RunbookKind } from '../../../domain/automation/runas-usage.js';
import type { ResourceAction, ResourceRole } from '../../../domain/resource-roles.js';
import { can } from '../../../domain/roles.js';
import type { Db } from '../../../store/db.js';
import { auditLog } from '../../../store/schema.js';
import { AppError } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import type { AutomationAccountsService } from '../automation/automation-accounts-service.js';
import * as automationRepo from '../automation/automation-repo.js';
import { mustFindAccount } from '../automation/automation-shared.js';
import type { JobsService } from '../automation/jobs-service.js';
import type { RunbooksService } from '../automation/runbooks-service.js';
import * as rolesRepo from '../roles/role-assignments-repo.js';
import { type TestRunOutcome, testRunDrafts } from './draft-test-runs.js';
import * as repo from './runas-repo.js';
import type { RunAsUsageService } from './runas-usage-service.js';

export type MigrateService = ReturnType<typeof createMigrateService>;

const names = { connectionAsset: RUN_AS_CONNECTION_ASSET, certificateAsset: RUN_AS_CERTIFICATE_ASSET };
const DAY = 86_400_000;
/** A migration marked as running for longer than this died with its server: another may start. */
const MIGRATION_STALE_MS = 3_600_000;

export function createMigrateService(d: {
  db: Db;
  usage: RunAsUsageService;
  accounts: Pick<AutomationAccountsService, 'get' | 'update'>;
  runbooks: Pick<RunbooksService, 'setDraft' | 'publish'>;
  jobs: Pick<JobsService, 'start' | 'get'>;
  now?: () => Date;
}) {
  const { db } = d;
  const now = d.now ?? (() => new Date());

  /** The writes the principal made since `since`, from the audit log (reads are not audited). */
  async function writesOf(servicePrincipalId: string, since: Date) {
    const rows = await db
      .selectDistinct({ kind: auditLog.kind })
      .from(auditLog)
      .where(and(eq(auditLog.actor, `identity:${servicePrincipalId}`), gte(auditLog.at, since)));
    const out = new Set<ResourceAction>();
    for (const r of rows) {
      const a = actionOfAuditKind(r.kind);
      if (a) out.add(a);
    }
    return out;
  }

  async function planRoles(servicePrincipalId: string, body: MigrateRunAsBody) {
    const held = await rolesRepo.listRoleAssignments(db, { principalId: servicePrincipalId });
    const writes = body.leastPrivilege
      ? await writesOf(servicePrincipalId, new Date(now().getTime() - body.days * DAY))
      : undefined;
    const planned = new Map<string, { role: ResourceRole; scope: string; from: string }>();
    for (const h of held) {
      const roles = writes ? leastPrivilegeRoles(h.role as ResourceRole, writes) : [h.role as ResourceRole];
      for (const role of roles)
        planned.set(`${role}@${h.scope}`, { role, scope: h.scope, from: `${h.role} at ${h.scope}` });
    }
    return { planned: [...planned.values()], writes: writes ? [...writes].sort() : undefined };
  }

  async function carryOut(
    p: Principal,
    account: automationRepo.AutomationAccountRow,
    runAs: repo.RunAsRow,
    body: MigrateRunAsBody,
  ): Promise<MigrationReport> {
    const accountId = account.id;
    const actor = actorOf(p);

    // (1) The system-assigned identity, enabled without detaching a user-assigned one (R56).
    const current = await d.accounts.get(accountId);
    let principalId = current.identity.principalId;
    let identityAction: MigrationReport['identity']['action'] = principalId ? 'present' : 'would-enable';
    if (!principalId && !body.dryRun) {
      const attached = current.identity.userAssignedIdentities.map((u) => u.id);
      const updated = await d.accounts.update(p, accountId, {
        identity: attached.length
          ? { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: attached }
          : { type: 'SystemAssigned' },
      });
      principalId = updated.identity.principalId;
      identityAction = 'enabled';
    }

    // (2) Role assignments of the identity.
    const { planned, writes } = await planRoles(runAs.servicePrincipalId, body);
    const roleAssignments: MigrationReport['roleAssignments'] = [];
    for (const r of planned) {
      const existing = principalId && (await rolesRepo.findSameAssignment(db, principalId, r.role, r.scope));
      if (existing) roleAssignments.push({ ...r, action: 'present', id: existing.id });
      else if (body.dryRun || !principalId) roleAssignments.push({ ...r, action: 'would-assign', id: null });
      else {
        const id = newId('roleAssignment');
        await db.transaction(async (tx) => {
          await rolesRepo.insertRoleAssignment(tx, {
            id,
            principalId: principalId!,
            principalType: 'SystemAssigned',
            identityId: accountId,
            role: r.role,
            scope: r.scope,
            createdBy: actor,
          });
          await appendAudit(tx, {
            actor,
            kind: 'role-assignment.create',
            target: id,
            details: {
              principalId,
              identityId: accountId,
              role: r.role,
              scope: r.scope,
              copiedFrom: { servicePrincipalId: runAs.servicePrincipalId, role: r.from },
            },
          });
        });
        roleAssignments.push({ ...r, action: 'assigned', id });
      }
    }

    // (3) Runbooks: a rewritten draft each; what has nothing left by hand is a candidate to test and publish.
    const runbooks: MigrationReport['runbooks'] = [];
    const candidates = new Map<string, MigrationReport['runbooks'][number]>();
    for (const use of await d.usage.runbooksUsing(accountId)) {
      const draftUses = use.versions.some((v) => v.state === 'draft');
      const publishedUses = use.versions.some((v) => v.state === 'published');
      if (!draftUses && !publishedUses) continue;
      const entry: MigrationReport['runbooks'][number] = {
        runbookId: use.runbookId,
        name: use.name,
        type: use.type,
        action: 'unchanged',
        diff: '',
        changes: [],
        manual: [],
        test: null,
        publishedVersion: null,
        notPublished: null,
        error: null,
      };
      runbooks.push(entry);
      try {
        const row = await automationRepo.findRunbook(db, use.runbookId);
        if (!row) throw new AppError('NOT_FOUND', 'it was deleted while the migration ran');
        let draftReady = !draftUses;
        if (draftUses) {
          const rewrite = rewriteRunAsSignIn(row.draftContent, row.type as RunbookKind, names);
          entry.diff = rewriteDiff(row.name, rewrite);
          entry.changes = rewrite.changes;
          entry.manual = rewrite.manual;
          if (rewrite.changed) {
            if (body.dryRun) entry.action = 'would-write-draft';
            else {
              await d.runbooks.setDraft(p, row.id, { content: rewrite.content });
              entry.action = 'draft-written';
            }
          } else entry.action = 'needs-manual';
          draftReady = rewrite.changed && rewrite.manual.length === 0;
        } else entry.action = 'draft-ready';
        if (draftReady) candidates.set(row.id, entry);
        else if (body.publish) entry.notPublished = 'lines are left to change by hand';
      } catch (err) {
        entry.action = 'failed';
        entry.error = `Runbook '${use.name}': ${err instanceof Error ? err.message : String(err)}`;
      }
    }

    // (4) Test runs of the candidate drafts, all at once; (5) publish those that passed, as they were tested.
    const tested = !body.dryRun && (body.test || body.publish);
    const outcomes = tested
      ? await testRunDrafts(
          { jobs: d.jobs, usage: d.usage, now },
          p,
          accountId,
          [...candidates.keys()],
          body.testTimeoutSeconds * 1000,
        )
      : new Map<string, TestRunOutcome>();
    for (const [runbookId, entry] of candidates) {
      const outcome = outcomes.get(runbookId);
      if (outcome)
        entry.test = {
          jobId: outcome.jobId,
          status: outcome.status,
          passed: outcome.passed,
          reason: outcome.reason,
        };
      if (!body.publish) continue;
      if (body.dryRun) {
        entry.action = 'would-publish';
        continue;
      }
      try {
        const row = await automationRepo.findRunbook(db, runbookId);
        if (!row) throw new AppError('NOT_FOUND', 'it was deleted while the migration ran');
        if (!outcome?.passed)
          entry.notPublished = `its test run did not pass: ${outcome?.reason ?? 'none ran'}`;
        else if (row.draftContent !== outcome.content)
          entry.notPublished = 'its draft changed after the test run: run the migration again';
        else {
          entry.publishedVersion = (await d.runbooks.publish(p, row.id)).published?.version ?? null;
          entry.action = 'published';
        }
      } catch (err) {
        entry.action = 'failed';
        entry.error = `Runbook '${entry.name}': ${err instanceof Error ? err.message : String(err)}`;
      }
    }

    const failed = runbooks.filter((r) => r.action === 'failed').map((r) => r.name);
    const manual = runbooks.filter((r) => r.manual.length).map((r) => r.name);
    const untested = runbooks.filter((r) => r.test && !r.test.passed).map((r) => r.name);
    const remaining = (await d.usage.runbooksUsing(accountId)).filter((r) =>
      r.versions.some((v) => v.state !== 'earlier'),
    );
    const complete = !body.dryRun && remaining.length === 0 && !failed.length;
    const nextStep = body.dryRun
      ? `steward automation migrate ${account.name}${body.leastPrivilege ? ' --least-privilege' : ''} --publish`
      : complete
        ? `steward automation runas delete ${account.name}`
        : manual.length || failed.length || untested.length
          ? `change ${[...new Set([...manual, ...failed, ...untested])].join(', ')} by hand (steward runbook edit), then run the migration again with --publish`
          : `run the migration again with --publish: it test-runs each draft and publishes those that pass`;
    const report: MigrationReport = {
      automationAccountId: accountId,
      automationAccountName: account.name,
      dryRun: body.dryRun,
      leastPrivilege: body.leastPrivilege,
      tested,
      identity: { action: identityAction, principalId: principalId ?? null },
      auditedWrites: writes ?? null,
      roleAssignments,
      runbooks,
      stillUsingRunAs: remaining.map((r) => r.name),
      complete,
      nextStep,
    };
    if (!body.dryRun)
      await db.transaction((tx) =>
        appendAudit(tx, {
          actor,
          kind: 'runas.migrate',
          target: accountId,
          details: {
            leastPrivilege: body.leastPrivilege,
            publish: body.publish,
            identity: report.identity,
            roleAssignments: roleAssignments.map((r) => ({
              role: r.role,
              scope: r.scope,
              action: r.action,
            })),
            test: tested,
            runbooks: runbooks.map((r) => ({
              name: r.name,
              action: r.action,
              manual: r.manual.length,
              test: r.test && { jobId: r.test.jobId, passed: r.test.passed },
              notPublished: r.notPublished,
            })),
            complete,
          },
        }),
      );
    return report;
  }

  return {
    /** Runs (or, dry, plans) the migration; one at a time per account: a second while one runs is a 409. */
    async migrate(p: Principal, accountId: string, body: MigrateRunAsBody): Promise<MigrationReport> {
      const account = await mustFindAccount(db, accountId);
      const runAs = await repo.findRunAs(db, accountId);
      if (!runAs)
        throw new AppError('NOT_FOUND', `Automation account '${account.name}' has no Run As account.`);
      if (!body.dryRun && !can(p.role, 'roles.assign'))
        throw new AppError(
          'FORBIDDEN',
          "Migrating gives the managed identity the Run As principal's roles: only an administrator may do that (a dry run is open to authors).",
        );
      if (body.dryRun) return carryOut(p, account, runAs, body);
      const at = now();
      if (!(await repo.claimMigration(db, accountId, at, new Date(at.getTime() - MIGRATION_STALE_MS)))) {
        const held = await repo.findRunAs(db, accountId);
        throw new AppError(
          'CONFLICT',
          held
            ? `A migration of '${account.name}' is already running (since ${held.migrationStartedAt?.toISOString()}): wait for it to end, then run it again.`
            : `Automation account '${account.name}' has no Run As account any more.`,
        );
      }
      try {
        return await carryOut(p, account, runAs, body);
      } finally {
        await repo.releaseMigration(db, accountId, at);
      }
    },
  };
}
