// Webhooks: a secret URL that starts a runbook with what was POSTed to it. The token in the URL is 32 random
// bytes, shown once when the webhook is made; only its SHA-256 is kept, and it is never logged or audited.
// A call needs no other credential: an unknown, disabled or expired token is the same 404. The runbook gets
// Azure's WebhookData parameter ({WebhookName, RequestBody, RequestHeader}) when it declares one.
import { createHash, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import {
  type createWebhookBody,
  DEFAULT_WEBHOOK_DAYS,
  MAX_WEBHOOK_YEARS,
  type updateWebhookBody,
} from '../../../contract/automation-schedules.js';
import { newId } from '../../../contract/ids.js';
import {
  checkKeptParameterValues,
  type ParameterDeclaration,
} from '../../../domain/automation/parameters.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import * as automationRepo from './automation-repo.js';
import { invalidIssues, mustFindAccount, nameTaken, uniquely } from './automation-shared.js';
import type { JobsService } from './jobs-service.js';
import type { RunbooksService } from './runbooks-service.js';
import * as repo from './schedules-repo.js';

export interface WebhooksServiceDeps {
  db: Db;
  jobs: Pick<JobsService, 'start'>;
  runbooks: Pick<RunbooksService, 'runnable'>;
  now?: () => Date;
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;

/** The parameter Azure fills with each call's name, body and headers. */
export const WEBHOOK_DATA = 'WebhookData';

/** Headers a runbook never sees: the caller's credentials, if it sent any. */
const withheldHeaders = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-csrf-token',
]);

const DAY_MS = 86_400_000;
const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** The declaration that receives WebhookData: a parameter of that name (any case) of type object. */
const webhookDataOf = (declarations: readonly ParameterDeclaration[]) =>
  declarations.find((p) => p.name.toLowerCase() === WEBHOOK_DATA.toLowerCase() && p.type === 'object');

const gone = () => new AppError('NOT_FOUND', 'No webhook answers at this address.');

/** The request headers passed on to the runbook, credentials left out; repeated ones joined with ", ". */
export function passedHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || withheldHeaders.has(name.toLowerCase())) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function createWebhooksService(d: WebhooksServiceDeps) {
  const { db } = d;
  const now = d.now ?? (() => new Date());
  const taken = (name: string) => () => nameTaken('A webhook', name, ' in this automation account');

  async function mustFind(ex: Db | Tx, id: string) {
    const row = await repo.findWebhook(ex, id);
    if (!row) throw notFound('Webhook', id);
    return row;
  }

  function expiryOf(given: string | undefined): Date {
    const at = now();
    if (given === undefined) return new Date(at.getTime() + DEFAULT_WEBHOOK_DAYS * DAY_MS);
    const expires = new Date(given);
    if (expires <= at) throw invalidIssues('body', [{ path: 'expiresAt', message: 'must be in the future' }]);
    const latest = new Date(at);
    latest.setUTCFullYear(latest.getUTCFullYear() + MAX_WEBHOOK_YEARS);
    if (expires > latest)
      throw invalidIssues('body', [
        { path: 'expiresAt', message: `must be at most ${MAX_WEBHOOK_YEARS} years from now` },
      ]);
    return expires;
  }

  /** The values kept for the runbook's published version: every required parameter filled but WebhookData. */
  async function checkValues(tx: Tx, runbookId: string, values: Record<string, unknown>, runOn: string) {
    if (runOn !== 'cloud')
      throw new AppError('NOT_FOUND', `There is no hybrid worker group '${runOn}'.`, [
        { path: 'body.runOn', message: 'no such hybrid worker group' },
      ]);
    const runnable = await d.runbooks.runnable(runbookId, {}, tx);
    const filled = webhookDataOf(runnable.parameters);
    const issues = checkKeptParameterValues(runnable.parameters, values, filled ? [filled.name] : []);
    if (issues.length) throw invalidIssues('body.parameters', issues);
  }

  async function auditCall(webhook: repo.WebhookRow, details: Record<string, unknown>, tx?: Tx) {
    const entry = {
      actor: `webhook:${webhook.id}`,
      kind: 'webhook.call',
      target: webhook.id,
      details: { automationAccountId: webhook.automationAccountId, runbookId: webhook.runbookId, ...details },
    };
    if (tx) await appendAudit(tx, entry, now());
    else await db.transaction((t) => appendAudit(t, entry, now()));
  }

  return {
    async list(accountId: string) {
      await mustFindAccount(db, accountId);
      return repo.listWebhooks(db, accountId);
    },

    get: (id: string) => mustFind(db, id),

    /** Makes a webhook; the token comes back this once, with the row. */
    async create(p: Principal, accountId: string, body: z.infer<typeof createWebhookBody>) {
      const expiresAt = expiryOf(body.expiresAt);
      const token = randomBytes(32).toString('base64url');
      const row = await uniquely(
        () =>
          db.transaction(async (tx) => {
            await mustFindAccount(tx, accountId);
            const runbook = await automationRepo.findRunbook(tx, body.runbookId);
            if (!runbook || runbook.automationAccountId !== accountId)
              throw new AppError(
                'NOT_FOUND',
                `Runbook '${body.runbookId}' was not found in this automation account.`,
                [{ path: 'body.runbookId', message: 'no such runbook in this automation account' }],
              );
            await checkValues(tx, runbook.id, body.parameters, body.runOn);
            if (await repo.findWebhookByName(tx, accountId, body.name)) throw taken(body.name)();
            const id = newId('webhook');
            await repo.insertWebhook(tx, {
              id,
              automationAccountId: accountId,
              runbookId: runbook.id,
              name: body.name,
              description: body.description ?? '',
              tokenHash: sha256(token),
              enabled: body.enabled,
              expiresAt,
              parameters: body.parameters,
              runOn: body.runOn,
              createdBy: actorOf(p),
            });
            await appendAudit(tx, {
              actor: actorOf(p),
              kind: 'webhook.create',
              target: id,
              details: {
                automationAccountId: accountId,
                runbookId: runbook.id,
                name: body.name,
                expiresAt: expiresAt.toISOString(),
                enabled: body.enabled,
                parameters: Object.keys(body.parameters),
              },
            });
            return mustFind(tx, id);
          }),
        taken(body.name),
      );
      return { row, token };
    },

    async update(p: Principal, id: string, body: z.infer<typeof updateWebhookBody>) {
      const name = body.name;
      const expiresAt = body.expiresAt !== undefined ? expiryOf(body.expiresAt) : undefined;
      return uniquely(
        () =>
          db.transaction(async (tx) => {
            const row = await mustFind(tx, id);
            if (
              name &&
              name !== row.name &&
              (await repo.findWebhookByName(tx, row.automationAccountId, name))
            )
              throw taken(name)();
            if (body.parameters !== undefined || body.runOn !== undefined)
              await checkValues(
                tx,
                row.runbookId,
                body.parameters ?? row.parameters,
                body.runOn ?? row.runOn,
              );
            await repo.updateWebhook(tx, id, {
              ...(name ? { name } : {}),
              ...(body.description !== undefined ? { description: body.description } : {}),
              ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
              ...(body.parameters !== undefined ? { parameters: body.parameters } : {}),
              ...(body.runOn !== undefined ? { runOn: body.runOn } : {}),
              ...(expiresAt ? { expiresAt } : {}),
            });
            await appendAudit(tx, {
              actor: actorOf(p),
              kind: 'webhook.update',
              target: id,
              details: {
                changed: Object.keys(body),
                ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
                ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
                ...(body.parameters ? { parameters: Object.keys(body.parameters) } : {}),
              },
            });
            return mustFind(tx, id);
          }),
        taken(name ?? ''),
      );
    },

    async remove(p: Principal, id: string) {
      await db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        await repo.deleteWebhook(tx, id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'webhook.delete',
          target: id,
          details: { automationAccountId: row.automationAccountId, runbookId: row.runbookId, name: row.name },
        });
      });
    },

    /**
     * A call to the webhook's URL: starts one job and answers its id. The token is only ever hashed here.
     * Errors of the start (the account's start rate: 429) pass through; each call to a known webhook is
     * audited, whatever its outcome.
     */
    async call(
      token: string,
      request: { body: string; headers: Record<string, string | string[] | undefined> },
    ): Promise<string[]> {
      const webhook = token.length <= 128 ? await repo.findWebhookByTokenHash(db, sha256(token)) : undefined;
      if (!webhook) throw gone();
      const at = now();
      const refused = !webhook.enabled ? 'disabled' : webhook.expiresAt <= at ? 'expired' : undefined;
      if (refused) {
        await auditCall(webhook, { outcome: refused });
        throw gone();
      }
      const bodyBytes = Buffer.byteLength(request.body, 'utf8');
      try {
        const runnable = await d.runbooks.runnable(webhook.runbookId);
        const data = webhookDataOf(runnable.parameters);
        const parameters = {
          ...webhook.parameters,
          ...(data
            ? {
                [data.name]: {
                  WebhookName: webhook.name,
                  RequestBody: request.body,
                  RequestHeader: passedHeaders(request.headers),
                },
              }
            : {}),
        };
        return await db.transaction(async (tx) => {
          const job = await d.jobs.start(
            { kind: 'webhook', id: webhook.id },
            webhook.runbookId,
            { parameters, runOn: webhook.runOn, test: false },
            tx,
          );
          await repo.markInvoked(tx, webhook.id, at);
          await auditCall(webhook, { outcome: 'started', jobIds: [job.id], bodyBytes }, tx);
          return [job.id];
        });
      } catch (err) {
        if (err instanceof AppError)
          await auditCall(webhook, { outcome: 'refused', code: err.code, bodyBytes });
        throw err;
      }
    },
  };
}
