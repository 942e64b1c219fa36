// HTTP routes for webhooks: administrators and authors make, change and delete them, every signed-in role reads
// them (never the token); and the public `POST /webhooks/<token>` that starts the runbook, with no other
// credential, any content type as the body, 512 KiB at most.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { accountParams } from '../../../contract/automation.js';
import {
  createdWebhookSchema,
  createWebhookBody,
  updateWebhookBody,
  WEBHOOK_BODY_LIMIT_BYTES,
  type Webhook,
  webhookCallParams,
  webhookCallResponse,
  webhookSchema,
} from '../../../contract/automation-schedules.js';
import { idParams } from '../../../contract/common.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, isoOrNull, typed } from '../../http.js';
import type { WebhookRow } from './schedules-repo.js';
import type { WebhooksService } from './webhooks-service.js';

/** Where a webhook is called: the path holds the token, so this path is never logged as it is. */
export const WEBHOOK_PATH_PREFIX = '/webhooks/';

/** A URL with a webhook's token hidden, for log lines. */
export const hideWebhookToken = (url: string) =>
  url.startsWith(WEBHOOK_PATH_PREFIX) ? `${WEBHOOK_PATH_PREFIX}[hidden]` : url;

export const webhookDto = (r: WebhookRow, at = new Date()): Webhook => ({
  id: r.id,
  automationAccountId: r.automationAccountId,
  runbookId: r.runbookId,
  runbookName: r.runbookName,
  name: r.name,
  description: r.description,
  enabled: r.enabled,
  expiresAt: iso(r.expiresAt),
  expired: r.expiresAt <= at,
  parameters: r.parameters,
  runOn: r.runOn,
  createdBy: r.createdBy,
  lastInvokedAt: isoOrNull(r.lastInvokedAt),
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

export function registerWebhooks(fastify: FastifyInstance, webhooks: WebhooksService): void {
  const app = typed(fastify);
  const tags = ['automation'];
  const read = app.authorize('automation.read', { scope: app.scopes.webhook('id') });
  const manage = app.authorize('automation.manage', { scope: app.scopes.webhook('id') });
  const inAccount = app.scopes.account('accountId');

  app.get('/api/v1/automation-accounts/:accountId/webhooks', {
    schema: {
      tags,
      summary: 'List the webhooks of an automation account (their tokens are never shown again)',
      params: accountParams,
      response: { 200: z.object({ items: z.array(webhookSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('automation.read', { scope: inAccount }),
    handler: async (req) => ({
      items: (await webhooks.list(req.params.accountId)).map((w) => webhookDto(w)),
    }),
  });

  app.post('/api/v1/automation-accounts/:accountId/webhooks', {
    schema: {
      tags,
      summary: 'Make a webhook for a published runbook; its URL and token are in this answer only',
      params: accountParams,
      body: createWebhookBody,
      response: { 201: createdWebhookSchema, ...errorResponses },
    },
    onRequest: app.authorize('automation.manage', { scope: inAccount }),
    handler: async (req, reply) => {
      const { row, token } = await webhooks.create(principalOf(req), req.params.accountId, req.body);
      const url = `${req.protocol}://${req.host}${WEBHOOK_PATH_PREFIX}${token}`;
      return reply.code(201).send({ ...webhookDto(row), token, url });
    },
  });

  app.get('/api/v1/webhooks/:id', {
    schema: {
      tags,
      summary: 'Show a webhook (never its token)',
      params: idParams,
      response: { 200: webhookSchema, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => webhookDto(await webhooks.get(req.params.id)),
  });

  app.patch('/api/v1/webhooks/:id', {
    schema: {
      tags,
      summary: 'Enable or disable a webhook, change its expiry, parameters or name',
      params: idParams,
      body: updateWebhookBody,
      response: { 200: webhookSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) => webhookDto(await webhooks.update(principalOf(req), req.params.id, req.body)),
  });

  app.delete('/api/v1/webhooks/:id', {
    schema: {
      tags,
      summary: 'Delete a webhook: its URL answers 404 from now on',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      await webhooks.remove(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });

  // The call itself, in its own scope: whatever the content type, the body is taken as text, as Azure does.
  fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT_BYTES },
      (_req, body, done) => done(null, body),
    );
    typed(scope).post(`${WEBHOOK_PATH_PREFIX}:token`, {
      schema: {
        tags,
        summary: 'Call a webhook: starts its runbook with the body in WebhookData; no bearer token',
        description:
          'Public: the token in the path is the credential. An unknown, disabled or expired webhook is 404.',
        security: [],
        params: webhookCallParams,
        response: { 202: webhookCallResponse, ...errorResponses },
      },
      bodyLimit: WEBHOOK_BODY_LIMIT_BYTES,
      handler: async (req, reply) => {
        const jobIds = await webhooks.call(req.params.token, {
          body: typeof req.body === 'string' ? req.body : '',
          headers: req.headers,
        });
        return reply.code(202).send({ jobIds });
      },
    });
  });
}
