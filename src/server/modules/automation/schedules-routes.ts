// HTTP routes for schedules: administrators and authors create, change, link and delete them; every signed-in
// role reads them.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { accountParams } from '../../../contract/automation.js';
import {
  createScheduleBody,
  linkScheduleBody,
  type Schedule,
  scheduleLinkParams,
  scheduleSchema,
  updateScheduleBody,
} from '../../../contract/automation-schedules.js';
import { idParams } from '../../../contract/common.js';
import type { MonthlyOccurrence, ScheduleFrequency, WeekDay } from '../../../domain/automation/schedules.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, isoOrNull, typed } from '../../http.js';
import type { SchedulesService, ScheduleView } from './schedules-service.js';

export const scheduleDto = ({ row: r, links }: ScheduleView): Schedule => ({
  id: r.id,
  automationAccountId: r.automationAccountId,
  name: r.name,
  description: r.description,
  frequency: r.frequency as ScheduleFrequency,
  interval: r.interval,
  startTime: iso(r.startTime),
  expiryTime: isoOrNull(r.expiryTime),
  timeZone: r.timeZone,
  weekDays: r.weekDays as WeekDay[],
  monthDays: r.monthDays,
  monthlyOccurrences: r.monthlyOccurrences as MonthlyOccurrence[],
  cron: r.cron,
  enabled: r.enabled,
  nextRunAt: isoOrNull(r.nextRunAt),
  lastRunAt: isoOrNull(r.lastRunAt),
  links: links.map((l) => ({
    runbookId: l.runbookId,
    runbookName: l.runbookName,
    parameters: l.parameters,
    runOn: l.runOn,
    createdAt: iso(l.createdAt),
  })),
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

export function registerSchedules(fastify: FastifyInstance, schedules: SchedulesService): void {
  const app = typed(fastify);
  const tags = ['automation'];
  const read = app.authorize('automation.read', { scope: app.scopes.schedule('id') });
  const manage = app.authorize('automation.manage', { scope: app.scopes.schedule('id') });
  const inAccount = app.scopes.account('accountId');

  app.get('/api/v1/automation-accounts/:accountId/schedules', {
    schema: {
      tags,
      summary: 'List the schedules of an automation account, with their links',
      params: accountParams,
      response: { 200: z.object({ items: z.array(scheduleSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('automation.read', { scope: inAccount }),
    handler: async (req) => ({ items: (await schedules.list(req.params.accountId)).map(scheduleDto) }),
  });

  app.post('/api/v1/automation-accounts/:accountId/schedules', {
    schema: {
      tags,
      summary: 'Create a schedule: once, every N hours, days, weeks or months, or a cron expression',
      params: accountParams,
      body: createScheduleBody,
      response: { 201: scheduleSchema, ...errorResponses },
    },
    onRequest: app.authorize('automation.manage', { scope: inAccount }),
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(scheduleDto(await schedules.create(principalOf(req), req.params.accountId, req.body))),
  });

  app.get('/api/v1/schedules/:id', {
    schema: {
      tags,
      summary: 'Show a schedule: its recurrence, next run and links',
      params: idParams,
      response: { 200: scheduleSchema, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => scheduleDto(await schedules.get(req.params.id)),
  });

  app.patch('/api/v1/schedules/:id', {
    schema: {
      tags,
      summary: 'Change a schedule; its next run is computed again',
      params: idParams,
      body: updateScheduleBody,
      response: { 200: scheduleSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) => scheduleDto(await schedules.update(principalOf(req), req.params.id, req.body)),
  });

  app.delete('/api/v1/schedules/:id', {
    schema: {
      tags,
      summary: 'Delete a schedule and its links (jobs it started stay)',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      await schedules.remove(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.put('/api/v1/schedules/:id/links/:runbookId', {
    schema: {
      tags,
      summary:
        'Link a runbook to the schedule with parameter values, or replace them (201 new, 200 replaced)',
      params: scheduleLinkParams,
      body: linkScheduleBody,
      response: { 200: scheduleSchema, 201: scheduleSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      const { created, view } = await schedules.link(
        principalOf(req),
        req.params.id,
        req.params.runbookId,
        req.body,
      );
      return reply.code(created ? 201 : 200).send(scheduleDto(view));
    },
  });

  app.delete('/api/v1/schedules/:id/links/:runbookId', {
    schema: {
      tags,
      summary: 'Unlink a runbook from the schedule',
      params: scheduleLinkParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      await schedules.unlink(principalOf(req), req.params.id, req.params.runbookId);
      return reply.code(204).send(null);
    },
  });
}
