// HTTP route to send deliveries again: dead letters after an outage, unknown ones only with force.
import type { FastifyInstance } from 'fastify';
import { resendBody, resendResponse } from '../../../contract/notify-api.js';
import { principalOf } from '../../auth.js';
import { errorResponses, typed } from '../../http.js';
import { deliveryDto } from './notify-routes.js';
import type { createResendService } from './resend-service.js';

export function registerResend(fastify: FastifyInstance, svc: ReturnType<typeof createResendService>): void {
  const app = typed(fastify);
  app.post('/api/v1/notification-deliveries/resend', {
    schema: {
      tags: ['notifications'],
      summary:
        'Queue deliveries to be sent again: dead letters, and unknown ones with force; never one that was sent (administrators)',
      body: resendBody,
      response: { 200: resendResponse, ...errorResponses },
    },
    onRequest: app.authorize('notify.channels'),
    handler: async (req) => {
      const r = await svc.resend(principalOf(req), req.body);
      const shown = req.body.dryRun ? r.eligible : r.resent;
      return {
        dryRun: req.body.dryRun,
        matched: r.matched,
        resent: r.resent.length,
        items: shown.slice(0, 1000).map(deliveryDto),
        refused: r.refused.slice(0, 1000).map((x) => ({ ...x, status: x.status as never })),
      };
    },
  });
}
