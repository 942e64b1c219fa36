// HTTP routes for alerts: everyone may list and show them; administrators and operators raise and update them.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import {
  type Alert,
  alertListSchema,
  alertSchema,
  listAlertsQuery,
  raiseAlertBody,
  resolutionStateName,
  updateAlertBody,
} from '../../../contract/alerts.js';
import { idParams } from '../../../contract/common.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, isoOrNull, typed } from '../../http.js';
import { actorOf } from '../../principal.js';
import type { AlertRow, AlertsService } from './alerts-service.js';

export const alertDto = (a: AlertRow): Alert => ({
  id: a.id,
  name: a.name,
  description: a.description,
  severity: a.severity as Alert['severity'],
  priority: a.priority as Alert['priority'],
  resolutionState: a.resolutionState,
  resolutionStateName: resolutionStateName(a.resolutionState),
  sourceObjectId: a.sourceObjectId,
  sourceKind: a.sourceKind as Alert['sourceKind'],
  workflowId: a.workflowId,
  category: a.category,
  owner: a.owner,
  ticketId: a.ticketId,
  custom: a.custom,
  repeatCount: a.repeatCount,
  dedupeKey: a.dedupeKey,
  timeRaised: iso(a.timeRaised),
  timeResolved: isoOrNull(a.timeResolved),
  lastModified: iso(a.lastModified),
  lastModifiedBy: a.lastModifiedBy,
  resolvedBy: a.resolvedBy,
});

export function registerAlerts(fastify: FastifyInstance, alerts: AlertsService): void {
  const app = typed(fastify);
  const tags = ['alerts'];

  app.get('/api/v1/alerts', {
    schema: {
      tags,
      summary: 'List alerts, newest first (open ones unless state says otherwise)',
      querystring: listAlertsQuery,
      response: { 200: alertListSchema, ...errorResponses },
    },
    onRequest: app.authorize('alerts.read'),
    handler: async (req) => {
      const q: z.infer<typeof listAlertsQuery> = req.query;
      const page = await alerts.list({
        state: q.state,
        severity: q.severity,
        priority: q.priority,
        sourceObjectId: q.sourceObject,
        workflowId: q.workflow,
        since: q.since ? new Date(q.since) : undefined,
        afterId: q.afterId,
        limit: q.limit,
      });
      return { items: page.items.map(alertDto), nextAfterId: page.nextAfterId };
    },
  });

  app.get('/api/v1/alerts/:id', {
    schema: {
      tags,
      summary: 'Show an alert',
      params: idParams,
      response: { 200: alertSchema, ...errorResponses },
    },
    onRequest: app.authorize('alerts.read'),
    handler: async (req) => alertDto(await alerts.get(req.params.id)),
  });

  app.post('/api/v1/alerts', {
    schema: {
      tags,
      summary:
        'Raise an alert; with the dedupeKey of an open alert, that alert is repeated instead (200, repeat count up)',
      body: raiseAlertBody,
      response: { 200: alertSchema, 201: alertSchema, ...errorResponses },
    },
    onRequest: app.authorize('alerts.write'),
    handler: async (req, reply) => {
      const { alert, repeated } = await alerts.raise(actorOf(principalOf(req)), {
        ...req.body,
        sourceKind: 'api',
      });
      return reply.code(repeated ? 200 : 201).send(alertDto(alert));
    },
  });

  app.patch('/api/v1/alerts/:id', {
    schema: {
      tags,
      summary: 'Update an alert: resolution state (255 closes it), priority, owner, ticket, custom fields',
      params: idParams,
      body: updateAlertBody,
      response: { 200: alertSchema, ...errorResponses },
    },
    onRequest: app.authorize('alerts.write'),
    handler: async (req) => alertDto(await alerts.update(actorOf(principalOf(req)), req.params.id, req.body)),
  });
}
