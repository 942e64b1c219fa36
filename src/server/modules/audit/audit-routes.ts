// HTTP routes for the audit log: list with filters, verify the hash chain.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { auditQuery, auditRecordSchema, auditVerifyResponse } from '../../../contract/audit.js';
import type { Db } from '../../../store/db.js';
import { errorResponses, iso, typed } from '../../http.js';
import { listAudit, verifyAudit } from './audit-repo.js';

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
      summary: 'Check the hash chain: reports edited and deleted records',
      response: { 200: auditVerifyResponse, ...errorResponses },
    },
    onRequest: app.authorize('audit.read'),
    handler: async () => {
      const r = await verifyAudit(db);
      return { ok: r.problems.length === 0, ...r };
    },
  });
}
