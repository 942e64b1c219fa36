// Runbooks: a draft edited freely, published versions kept as history, rollback that republishes an earlier
// version, and the declared parameters checked as a whole.
import type { z } from 'zod';
import type {
  createRunbookBody,
  RunbookType,
  setDraftBody,
  updateRunbookBody,
} from '../../../contract/automation.js';
import { newId } from '../../../contract/ids.js';
import { checkDeclarations, type ParameterDeclaration } from '../../../domain/automation/parameters.js';
import { decidePublish, decideRollback } from '../../../domain/automation/runbook-versions.js';
import { scopePath } from '../../../domain/resource-roles.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import { deleteAssignmentsAtOrBeneath } from '../roles/role-assignments-repo.js';
import * as repo from './automation-repo.js';
import { invalidIssues, mustFindAccount, nameTaken, uniquely } from './automation-shared.js';

export interface RunbookView {
  row: repo.RunbookRow;
  published: repo.RunbookVersionRow | undefined;
}

/** What a job runs: one version's content and the parameters it declares. */
export interface RunnableRunbook {
  runbookId: string;
  automationAccountId: string;
  name: string;
  type: RunbookType;
  /** 'draft' for a test run of the draft. */
  version: number | 'draft';
  content: string;
  parameters: ParameterDeclaration[];
}

export type RunbooksService = ReturnType<typeof createRunbooksService>;

const params = (v: unknown[]) => v as ParameterDeclaration[];
const names = (v: readonly { name: string }[]) => v.map((p) => p.name);
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

function checkParameters(parameters: readonly ParameterDeclaration[]) {
  const issues = checkDeclarations(parameters);
  if (issues.length) throw invalidIssues('body.parameters', issues);
}

export function createRunbooksService({ db, now = () => new Date() }: { db: Db; now?: () => Date }) {
  const taken = (name: string) => () => nameTaken('A runbook', name, ' in this automation account');

  async function mustFind(tx: Db | Tx, id: string) {
    const row = await repo.findRunbook(tx, id);
    if (!row) throw notFound('Runbook', id);
    return row;
  }

  async function view(tx: Db | Tx, row: repo.RunbookRow): Promise<RunbookView> {
    const published = row.publishedVersion
      ? await repo.findVersion(tx, row.id, row.publishedVersion)
      : undefined;
    return { row, published };
  }

  async function publishSnapshot(
    tx: Tx,
    p: Principal,
    row: repo.RunbookRow,
    version: number,
    snapshot: { content: string; parameters: unknown[] },
    rolledBackFrom: number | null,
  ) {
    await repo.insertVersion(tx, {
      runbookId: row.id,
      version,
      content: snapshot.content,
      parameters: snapshot.parameters,
      rolledBackFrom,
      publishedBy: actorOf(p),
      publishedAt: now(),
    });
    return (await repo.updateRunbook(tx, row.id, { publishedVersion: version }))!;
  }

  return {
    async list(accountId: string) {
      await mustFindAccount(db, accountId);
      const rows = await repo.listRunbooks(db, accountId);
      const out: RunbookView[] = [];
      for (const r of rows) out.push(await view(db, r));
      return out;
    },

    get: async (id: string) => view(db, await mustFind(db, id)),

    async create(p: Principal, accountId: string, body: z.infer<typeof createRunbookBody>) {
      checkParameters(body.parameters);
      return uniquely(
        () =>
          db.transaction(async (tx) => {
            await mustFindAccount(tx, accountId);
            if (await repo.findRunbookByName(tx, accountId, body.name)) throw taken(body.name)();
            const id = newId('runbook');
            const row = await repo.insertRunbook(tx, {
              id,
              automationAccountId: accountId,
              name: body.name,
              type: body.type,
              description: body.description ?? '',
              draftContent: body.content,
              draftParameters: body.parameters,
              draftUpdatedAt: now(),
            });
            await appendAudit(tx, {
              actor: actorOf(p),
              kind: 'runbook.create',
              target: id,
              details: {
                automationAccountId: accountId,
                name: body.name,
                type: body.type,
                contentBytes: bytes(body.content),
                parameters: names(body.parameters),
              },
            });
            return view(tx, row);
          }),
        taken(body.name),
      );
    },

    async update(p: Principal, id: string, body: z.infer<typeof updateRunbookBody>) {
      const name = body.name;
      return uniquely(
        () =>
          db.transaction(async (tx) => {
            const row = await mustFind(tx, id);
            if (
              name &&
              name !== row.name &&
              (await repo.findRunbookByName(tx, row.automationAccountId, name))
            )
              throw taken(name)();
            const next = (await repo.updateRunbook(tx, id, {
              ...(name ? { name } : {}),
              ...(body.description !== undefined ? { description: body.description } : {}),
            }))!;
            await appendAudit(tx, {
              actor: actorOf(p),
              kind: 'runbook.update',
              target: id,
              details: {
                changed: Object.keys(body),
                ...(name && name !== row.name ? { name: { from: row.name, to: name } } : {}),
              },
            });
            return view(tx, next);
          }),
        taken(name ?? ''),
      );
    },

    async setDraft(p: Principal, id: string, body: z.infer<typeof setDraftBody>) {
      if (body.parameters) checkParameters(body.parameters);
      return db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        const parameters = body.parameters ?? params(row.draftParameters);
        const next = (await repo.updateRunbook(tx, id, {
          draftContent: body.content,
          draftParameters: parameters,
          draftUpdatedAt: now(),
        }))!;
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'runbook.draft',
          target: id,
          details: { contentBytes: bytes(body.content), parameters: names(parameters) },
        });
        return view(tx, next);
      });
    },

    async publish(p: Principal, id: string) {
      return db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        const { published } = await view(tx, row);
        const draft = { content: row.draftContent, parameters: row.draftParameters };
        const decision = decidePublish(draft, published);
        if (decision.kind !== 'publish') throw new AppError('RULE_VIOLATION', decision.reason);
        const next = await publishSnapshot(tx, p, row, decision.version, draft, null);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'runbook.publish',
          target: id,
          details: { version: decision.version, contentBytes: bytes(row.draftContent) },
        });
        return view(tx, next);
      });
    },

    async rollback(p: Principal, id: string, version: number) {
      return db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        const { published } = await view(tx, row);
        const target = await repo.findVersion(tx, id, version);
        const decision = decideRollback(target, version, published);
        if (decision.kind === 'unknown-version')
          throw new AppError('NOT_FOUND', decision.reason, [
            { path: 'body.version', message: 'is not a published version of this runbook' },
          ]);
        if (decision.kind === 'unchanged')
          throw new AppError('RULE_VIOLATION', decision.reason, [
            { path: 'body.version', message: 'is the published content already' },
          ]);
        const next = await publishSnapshot(tx, p, row, decision.version, target!, version);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'runbook.rollback',
          target: id,
          details: { to: version, version: decision.version },
        });
        return view(tx, next);
      });
    },

    async versions(id: string) {
      await mustFind(db, id);
      return repo.listVersions(db, id);
    },

    /** The content of the draft, of the published version, or of one version by number. */
    async content(id: string, which: string) {
      const row = await mustFind(db, id);
      const out = (version: number | 'draft', content: string, parameters: unknown[]) => ({
        row,
        version,
        content,
        parameters: params(parameters),
      });
      if (which === 'draft') return out('draft', row.draftContent, row.draftParameters);
      const n = which === 'published' ? row.publishedVersion : Number(which);
      if (!n)
        throw new AppError('NOT_FOUND', `Runbook '${row.name}' has not been published yet.`, [
          { path: 'querystring.version', message: 'no published version' },
        ]);
      const v = await repo.findVersion(db, id, n);
      if (!v)
        throw new AppError('NOT_FOUND', `Runbook '${row.name}' has no published version ${n}.`, [
          { path: 'querystring.version', message: 'is not a published version of this runbook' },
        ]);
      return out(v.version, v.content, v.parameters);
    },

    async remove(p: Principal, id: string) {
      await db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        await repo.deleteRunbook(tx, id);
        // Assignments scoped to the runbook go with it: a stale one would never again name anything.
        const roleAssignmentsRemoved = await deleteAssignmentsAtOrBeneath(
          tx,
          scopePath({ kind: 'runbook', accountId: row.automationAccountId, runbookId: id }),
        );
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'runbook.delete',
          target: id,
          details: {
            automationAccountId: row.automationAccountId,
            name: row.name,
            publishedVersion: row.publishedVersion,
            roleAssignmentsRemoved,
          },
        });
      });
    },

    /**
     * What a job of this runbook runs: the published version, or the draft for a test run; refuses a runbook
     * never published unless the draft is asked for. Read through `ex` inside a caller's transaction.
     */
    async runnable(id: string, opts: { draft?: boolean } = {}, ex: Db | Tx = db): Promise<RunnableRunbook> {
      const row = await mustFind(ex, id);
      const base = {
        runbookId: row.id,
        automationAccountId: row.automationAccountId,
        name: row.name,
        type: row.type as RunbookType,
      };
      if (opts.draft)
        return {
          ...base,
          version: 'draft',
          content: row.draftContent,
          parameters: params(row.draftParameters),
        };
      const v = row.publishedVersion ? await repo.findVersion(ex, id, row.publishedVersion) : undefined;
      if (!v)
        throw new AppError(
          'RULE_VIOLATION',
          `Runbook '${row.name}' has no published version: publish it, or start a test run of the draft.`,
        );
      return { ...base, version: v.version, content: v.content, parameters: params(v.parameters) };
    },
  };
}
