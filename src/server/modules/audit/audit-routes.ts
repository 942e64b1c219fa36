// HTTP routes for the audit log: list with filters, verify the hash chain.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  auditCheckpointResponse,
  auditQuery,
  auditRecordSchema,
  auditVerifyQuery,
  auditVerifyResponse,
} from '../../../contract/audit.js';
import type { Db } from '../../../store/db.js';
import { AppError } from '../../errors.js';
import { errorResponses, iso, typed } from '../../http.js';
import { auditCheckpoint, listAudit, verifyAudit } from './audit-repo.js';

export function registerAudit(fastify: FastifyInstance, db: Db): void {
  const app = typed(fastify);
  const tags = ['audit'];

  app.get('/api/v1/audit', {
    schema: {
      tags,
      summary: 'List audit records, oldest first; page with afterSeq',
      querystring: auditQuery,
      response: { 200: z.object({ items: z.array(auditRecordSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('audit.read'),
    handler: async (req) => {
      const q = req.query;
      const rows = await listAudit(db, {
        actor: q.actor,
        kind: q.kind,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
        afterSeq: q.afterSeq,
        limit: q.limit,
      });
      return { items: rows.map((r) => ({ ...r, at: iso(r.at) })) };
    },
  });

  app.get('/api/v1/audit/verify', {
    schema: {
      tags,
      summary:
        'Check the keyed chain: reports edited and deleted records; with a checkpoint kept elsewhere, also a log rewritten or cut back up to it',
      querystring: auditVerifyQuery,
      response: { 200: auditVerifyResponse, ...errorResponses },
    },
    onRequest: app.authorize('audit.read'),
    handler: async (req) => {
      const { checkpointSeq, checkpointHash } = req.query;
      const checkpoint =
        checkpointSeq !== undefined && checkpointHash !== undefined
          ? { seq: checkpointSeq, hash: checkpointHash }
          : undefined;
      const r = await verifyAudit(db, { checkpoint });
      return { ok: r.problems.length === 0, ...r };
    },
  });

  app.get('/api/v1/audit/checkpoint', {
    schema: {
      tags,
      summary: 'The last record of the chain and its hash: keep it outside the database for `verify`',
      response: { 200: auditCheckpointResponse, ...errorResponses },
    },
    onRequest: app.authorize('audit.read'),
    handler: async () => {
      const head = await auditCheckpoint(db);
      if (!head)
        throw new AppError('NOT_FOUND', 'The audit log is empty: there is nothing to checkpoint yet.');
      return { ...head, at: iso(head.at) };
    },
  });
}
