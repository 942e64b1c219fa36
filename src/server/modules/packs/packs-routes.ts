// HTTP routes for management packs (import, list, show, export, delete) and the profiles and workflows they declare.
import type { FastifyInstance } from 'fastify';
import { idParams } from '../../../contract/common.js';
import {
  decodePackBytes,
  deletePackQuery,
  deletePackResponse,
  exportPackResponse,
  importPackBody,
  importPackResponse,
  packDetailSchema,
  packListResponse,
  profileListQuery,
  profileListResponse,
  type SkippedElement,
  type Workflow,
  workflowListQuery,
  workflowListResponse,
} from '../../../contract/packs.js';
import { principalOf } from '../../auth.js';
import { invalid } from '../../errors.js';
import { errorResponses, iso, typed } from '../../http.js';
import { actorOf } from '../../principal.js';
import type { PackRow, WorkflowRow } from './packs-repo.js';
import type { PacksService } from './packs-service.js';

/** A pack file sent as base64 bytes, decoded by its byte order mark or XML declaration. */
function decodeUpload(content: string): string {
  const bytes = Buffer.from(content, 'base64');
  const decoded = decodePackBytes(bytes);
  if (!decoded.ok) throw invalid('body.content', decoded.message);
  return decoded.text;
}

const summaryDto = (p: PackRow) => ({
  id: p.id,
  version: p.version,
  displayName: p.displayName,
  description: p.description,
  sealed: p.sealed,
  builtIn: p.builtIn,
  format: p.format as 'native' | 'scom-xml',
  importedAt: iso(p.importedAt),
  importedBy: p.importedBy,
});

const detailDto = (d: Awaited<ReturnType<PacksService['getPack']>>) => ({
  ...summaryDto(d.row),
  counts: d.counts,
  references: d.references,
  dependents: d.dependents,
  skipped: d.row.skipped as SkippedElement[],
  profileUses: d.profileUses,
});

export const profileDto = ({
  profile: p,
  workflowCount,
  useCount,
}: Awaited<ReturnType<PacksService['listProfiles']>>[number]) => ({
  id: p.id,
  packId: p.packId,
  displayName: p.displayName,
  description: p.description,
  contextClassId: p.contextClassId,
  workflowCount,
  useCount,
  createdBy: p.createdBy,
  createdAt: iso(p.createdAt),
});

const workflowDto = (w: WorkflowRow): Workflow => ({
  id: w.id,
  packId: w.packId,
  kind: w.kind as Workflow['kind'],
  displayName: w.displayName,
  targetClassId: w.targetClassId,
  profileId: w.profileId,
  action: w.action as Workflow['action'],
  schedule: (w.schedule ?? null) as Workflow['schedule'],
  enabled: w.enabled,
  createdAt: iso(w.createdAt),
});

export function registerPacks(fastify: FastifyInstance, packs: PacksService): void {
  const app = typed(fastify);
  const tags = ['packs'];

  app.post('/api/v1/packs', {
    schema: {
      tags,
      summary: 'Import a management pack (native YAML/JSON or SCOM XML), or upgrade it to a newer version',
      body: importPackBody,
      response: { 200: importPackResponse, 201: importPackResponse, ...errorResponses },
    },
    onRequest: app.authorize('packs.write'),
    handler: async (req, reply) => {
      const content =
        req.body.contentEncoding === 'base64' ? decodeUpload(req.body.content) : req.body.content;
      const r = await packs.importPack(actorOf(principalOf(req)), content, req.body.format);
      const pack = detailDto(await packs.getPack(r.packId));
      return reply.code(r.outcome === 'imported' ? 201 : 200).send({
        outcome: r.outcome,
        previousVersion: r.previousVersion,
        changes: r.changes,
        missingReferences: r.missingReferences,
        completed: r.completed,
        pack,
      });
    },
  });

  app.get('/api/v1/packs', {
    schema: { tags, summary: 'List imported packs', response: { 200: packListResponse, ...errorResponses } },
    onRequest: app.authorize('packs.read'),
    handler: async () => ({ items: (await packs.listPacks()).map(summaryDto) }),
  });

  app.get('/api/v1/packs/:id', {
    schema: {
      tags,
      summary: 'Show a pack: element counts, references, dependents and skipped SCOM elements',
      params: idParams,
      response: { 200: packDetailSchema, ...errorResponses },
    },
    onRequest: app.authorize('packs.read'),
    handler: async (req) => detailDto(await packs.getPack(req.params.id)),
  });

  app.get('/api/v1/packs/:id/export', {
    schema: {
      tags,
      summary: 'Export a pack as it was imported, with the profiles made by hand in it when unsealed',
      params: idParams,
      response: { 200: exportPackResponse, ...errorResponses },
    },
    onRequest: app.authorize('packs.read'),
    handler: async (req) => packs.exportPack(req.params.id),
  });

  app.delete('/api/v1/packs/:id', {
    schema: {
      tags,
      summary:
        'Delete a pack and all its elements (refused while other packs reference it, or its profiles have associations unless cascade=true)',
      params: idParams,
      querystring: deletePackQuery,
      response: { 200: deletePackResponse, ...errorResponses },
    },
    onRequest: app.authorize('packs.write'),
    handler: async (req) =>
      packs.deletePack(actorOf(principalOf(req)), req.params.id, req.query.cascade === 'true'),
  });

  app.get('/api/v1/profiles', {
    schema: {
      tags: ['profiles'],
      summary: 'List Run As profiles',
      querystring: profileListQuery,
      response: { 200: profileListResponse, ...errorResponses },
    },
    onRequest: app.authorize('profiles.read'),
    handler: async (req) => ({
      items: (await packs.listProfiles(req.query.packId)).map(profileDto),
    }),
  });

  app.get('/api/v1/workflows', {
    schema: {
      tags: ['packs'],
      summary: 'List workflows (discoveries, rules, monitors, tasks) declared by packs',
      querystring: workflowListQuery,
      response: { 200: workflowListResponse, ...errorResponses },
    },
    onRequest: app.authorize('packs.read'),
    handler: async (req) => ({ items: (await packs.listWorkflows(req.query)).map(workflowDto) }),
  });
}
