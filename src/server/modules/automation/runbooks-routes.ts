// HTTP routes for runbooks: create in an account, edit the draft, publish, roll back, read content and versions.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  accountParams,
  contentQuery,
  createRunbookBody,
  type RunbookType,
  rollbackBody,
  runbookContentResponse,
  runbookSchema,
  runbookVersionSchema,
  setDraftBody,
  updateRunbookBody,
} from '../../../contract/automation.js';
import { idParams } from '../../../contract/common.js';
import type { ParameterDeclaration } from '../../../domain/automation/parameters.js';
import { draftDiffers } from '../../../domain/automation/runbook-versions.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, typed } from '../../http.js';
import type { RunbookVersionRow } from './automation-repo.js';
import type { RunbooksService, RunbookView } from './runbooks-service.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const params = (v: unknown[]) => v as ParameterDeclaration[];

export const runbookDto = ({ row, published }: RunbookView): z.infer<typeof runbookSchema> => ({
  id: row.id,
  automationAccountId: row.automationAccountId,
  name: row.name,
  type: row.type as RunbookType,
  description: row.description,
  draft: {
    parameters: params(row.draftParameters),
    contentBytes: bytes(row.draftContent),
    updatedAt: iso(row.draftUpdatedAt),
    differsFromPublished: draftDiffers(
      { content: row.draftContent, parameters: row.draftParameters },
      published,
    ),
  },
  published: published
    ? {
        version: published.version,
        parameters: params(published.parameters),
        contentBytes: bytes(published.content),
        publishedAt: iso(published.publishedAt),
        publishedBy: published.publishedBy,
      }
    : null,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

const versionDto = (v: RunbookVersionRow): z.infer<typeof runbookVersionSchema> => ({
  version: v.version,
  parameters: params(v.parameters),
  contentBytes: bytes(v.content),
  rolledBackFrom: v.rolledBackFrom,
  publishedAt: iso(v.publishedAt),
  publishedBy: v.publishedBy,
});

export function registerRunbooks(fastify: FastifyInstance, runbooks: RunbooksService): void {
  const app = typed(fastify);
  const tags = ['automation'];
  const read = app.authorize('automation.read', { scope: app.scopes.runbook('id') });
  const manage = app.authorize('automation.manage', { scope: app.scopes.runbook('id') });
  const inAccount = app.scopes.account('accountId');

  app.get('/api/v1/automation-accounts/:accountId/runbooks', {
    schema: {
      tags,
      summary: 'List the runbooks of an automation account',
      params: accountParams,
      response: { 200: z.object({ items: z.array(runbookSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('automation.read', { scope: inAccount }),
    handler: async (req) => ({ items: (await runbooks.list(req.params.accountId)).map(runbookDto) }),
  });

  app.post('/api/v1/automation-accounts/:accountId/runbooks', {
    schema: {
      tags,
      summary: 'Create a runbook; its content and parameters are the first draft',
      params: accountParams,
      body: createRunbookBody,
      response: { 201: runbookSchema, ...errorResponses },
    },
    onRequest: app.authorize('automation.manage', { scope: inAccount }),
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(runbookDto(await runbooks.create(principalOf(req), req.params.accountId, req.body))),
  });

  app.get('/api/v1/runbooks/:id', {
    schema: {
      tags,
      summary: 'Show a runbook: its draft and published version (without content)',
      params: idParams,
      response: { 200: runbookSchema, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => runbookDto(await runbooks.get(req.params.id)),
  });

  app.patch('/api/v1/runbooks/:id', {
    schema: {
      tags,
      summary: 'Rename or describe a runbook (its type never changes)',
      params: idParams,
      body: updateRunbookBody,
      response: { 200: runbookSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) => runbookDto(await runbooks.update(principalOf(req), req.params.id, req.body)),
  });

  app.delete('/api/v1/runbooks/:id', {
    schema: {
      tags,
      summary: 'Delete a runbook with every published version',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      await runbooks.remove(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.put('/api/v1/runbooks/:id/draft', {
    schema: {
      tags,
      summary: 'Replace the draft content (at most 1 MiB) and, if given, the parameter declarations',
      params: idParams,
      body: setDraftBody,
      response: { 200: runbookSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) => runbookDto(await runbooks.setDraft(principalOf(req), req.params.id, req.body)),
  });

  app.get('/api/v1/runbooks/:id/content', {
    schema: {
      tags,
      summary: 'The content and parameters of the draft, the published version or a version by number',
      params: idParams,
      querystring: contentQuery,
      response: { 200: runbookContentResponse, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => {
      const c = await runbooks.content(req.params.id, req.query.version);
      return {
        runbookId: c.row.id,
        name: c.row.name,
        type: c.row.type as RunbookType,
        version: c.version,
        content: c.content,
        parameters: c.parameters,
      };
    },
  });

  app.post('/api/v1/runbooks/:id/publish', {
    schema: {
      tags,
      summary: 'Publish the draft as the next version',
      params: idParams,
      response: { 200: runbookSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) => runbookDto(await runbooks.publish(principalOf(req), req.params.id)),
  });

  app.post('/api/v1/runbooks/:id/rollback', {
    schema: {
      tags,
      summary: 'Publish an earlier version again, as the next version (the draft is left alone)',
      params: idParams,
      body: rollbackBody,
      response: { 200: runbookSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) =>
      runbookDto(await runbooks.rollback(principalOf(req), req.params.id, req.body.version)),
  });

  app.get('/api/v1/runbooks/:id/versions', {
    schema: {
      tags,
      summary: 'The published versions of a runbook, newest first',
      params: idParams,
      response: { 200: z.object({ items: z.array(runbookVersionSchema) }), ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => ({ items: (await runbooks.versions(req.params.id)).map(versionDto) }),
  });
}
