// HTTP routes for notifications: channels (administrators write, R34), subscribers and subscriptions
// (authors and operators too), and the delivery list with the reason of each failure.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { displayNameSchema, idParams } from '../../../contract/common.js';
import {
  channelKindSchema,
  channelListResponse,
  channelSchema,
  type DeliveryStatus,
  deliveryListQuery,
  deliveryListResponse,
  subscriberBody,
  subscriberListResponse,
  subscriberPatchBody,
  subscriberSchema,
  subscriptionBody,
  subscriptionListResponse,
  subscriptionPatchBody,
  subscriptionSchema,
} from '../../../contract/notify-api.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, isoOrNull, typed } from '../../http.js';
import type { ChannelHealthRow } from './channel-health-repo.js';
import type { DeliveryRow } from './delivery-outbox-repo.js';
import { sourcesOf } from './delivery-sources.js';
import type { ChannelRow, SubscriberRow, SubscriptionRow } from './notify-config-repo.js';
import type { NotifyConfigService } from './notify-config-service.js';
import { shownAddress } from './shown-address.js';

const settingsSchema = z
  .record(z.string(), z.unknown())
  .describe('the settings of the channel kind: see docs/notifications.md; never a secret');
const profileIdSchema = z
  .string()
  .min(1)
  .max(256)
  .nullable()
  .describe('Run As profile to sign in with; default Steward.NotificationAccount when the channel signs in');

const channelBody = z.strictObject({
  name: displayNameSchema,
  kind: channelKindSchema,
  enabled: z.boolean().optional(),
  profileId: profileIdSchema.optional(),
  settings: settingsSchema,
});
const channelPatchBody = z.strictObject({
  name: displayNameSchema.optional(),
  enabled: z.boolean().optional(),
  profileId: profileIdSchema.optional(),
  settings: settingsSchema.optional(),
});

const channelDto = (c: ChannelRow & { health?: ChannelHealthRow }) => ({
  id: c.id,
  name: c.name,
  kind: c.kind as z.infer<typeof channelKindSchema>,
  enabled: c.enabled,
  profileId: c.profileId,
  settings: c.settings,
  health: c.health
    ? {
        state: 'paused' as const,
        cause: c.health.cause as 'unreachable' | 'account',
        reason: c.health.reason,
        since: iso(c.health.pausedAt),
        failedProbes: c.health.failedProbes,
        nextProbeAt: iso(c.health.nextProbeAt),
      }
    : { state: 'ok' as const },
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

const subscriberDto = (s: SubscriberRow) => ({
  id: s.id,
  name: s.name,
  schedule: s.schedule as Record<string, unknown>[],
  addresses: (s.addresses as z.infer<typeof subscriberSchema>['addresses']).map((a) => ({
    ...a,
    address: shownAddress(a.address),
  })),
  createdBy: s.createdBy,
  createdAt: iso(s.createdAt),
  updatedAt: iso(s.updatedAt),
});

const subscriptionDto = (s: SubscriptionRow) => ({
  id: s.id,
  name: s.name,
  description: s.description,
  enabled: s.enabled,
  criteria: s.criteria,
  to: s.recipients.to,
  cc: s.recipients.cc,
  bcc: s.recipients.bcc,
  channelIds: s.channelIds,
  delaySeconds: s.delaySeconds,
  onlyOnResolutionChange: s.onlyOnResolutionChange,
  createdBy: s.createdBy,
  createdAt: iso(s.createdAt),
  updatedAt: iso(s.updatedAt),
});

export const deliveryDto = (d: DeliveryRow) => ({
  id: d.id,
  alertId: d.alertId,
  reason: d.reason,
  subscriptionId: d.subscriptionId,
  subscriptionIds: [...new Set(sourcesOf(d).map((s) => s.subscriptionId))],
  channelId: d.channelId,
  subscriberId: d.subscriberId,
  address: shownAddress(d.address),
  role: d.role as 'to' | 'cc' | 'bcc',
  status: d.status as DeliveryStatus,
  attempts: d.attempts,
  nextAttemptAt: iso(d.nextAttemptAt),
  sentAt: isoOrNull(d.sentAt),
  lastError: d.lastError,
  detail: d.detail,
  createdAt: iso(d.createdAt),
});

export function registerNotify(fastify: FastifyInstance, svc: NotifyConfigService): void {
  const app = typed(fastify);
  const tags = ['notifications'];
  const read = app.authorize('notify.subscriptions');
  const admin = app.authorize('notify.channels');
  const manage = app.authorize('notify.subscriptions');

  // ---------------------------------------------------------------- channels
  app.get('/api/v1/notification-channels', {
    schema: {
      tags,
      summary: 'Notification channels',
      response: { 200: channelListResponse, ...errorResponses },
    },
    onRequest: read,
    handler: async () => ({ items: (await svc.listChannels()).map(channelDto) }),
  });
  app.post('/api/v1/notification-channels', {
    schema: {
      tags,
      summary: 'Create a channel (administrators only, R34); settings are checked against its kind',
      body: channelBody,
      response: { 201: channelSchema, ...errorResponses },
    },
    onRequest: admin,
    handler: async (req, reply) =>
      reply.code(201).send(channelDto(await svc.createChannel(principalOf(req), req.body))),
  });
  app.get('/api/v1/notification-channels/:id', {
    schema: {
      tags,
      summary: 'One channel',
      params: idParams,
      response: { 200: channelSchema, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => channelDto(await svc.getChannel(req.params.id)),
  });
  app.patch('/api/v1/notification-channels/:id', {
    schema: {
      tags,
      summary: 'Change a channel (administrators only); new settings replace the old ones whole',
      params: idParams,
      body: channelPatchBody,
      response: { 200: channelSchema, ...errorResponses },
    },
    onRequest: admin,
    handler: async (req) => channelDto(await svc.updateChannel(principalOf(req), req.params.id, req.body)),
  });
  app.delete('/api/v1/notification-channels/:id', {
    schema: {
      tags,
      summary: 'Delete a channel no subscription uses',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: admin,
    handler: async (req, reply) => {
      await svc.deleteChannel(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });

  // ---------------------------------------------------------------- subscribers
  app.get('/api/v1/notification-subscribers', {
    schema: { tags, summary: 'Subscribers', response: { 200: subscriberListResponse, ...errorResponses } },
    onRequest: read,
    handler: async () => ({ items: (await svc.listSubscribers()).map(subscriberDto) }),
  });
  app.post('/api/v1/notification-subscribers', {
    schema: {
      tags,
      summary: 'Create a subscriber with addresses and schedules (R42; exclusions need an inclusion, Q10)',
      body: subscriberBody,
      response: { 201: subscriberSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) =>
      reply.code(201).send(subscriberDto(await svc.createSubscriber(principalOf(req), req.body))),
  });
  app.get('/api/v1/notification-subscribers/:id', {
    schema: {
      tags,
      summary: 'One subscriber',
      params: idParams,
      response: { 200: subscriberSchema, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => subscriberDto(await svc.getSubscriber(req.params.id)),
  });
  app.patch('/api/v1/notification-subscribers/:id', {
    schema: {
      tags,
      summary: 'Change a subscriber; given addresses replace the old ones whole',
      params: idParams,
      body: subscriberPatchBody,
      response: { 200: subscriberSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) =>
      subscriberDto(await svc.updateSubscriber(principalOf(req), req.params.id, req.body)),
  });
  app.delete('/api/v1/notification-subscribers/:id', {
    schema: {
      tags,
      summary: 'Delete a subscriber no subscription names',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      await svc.deleteSubscriber(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });

  // ---------------------------------------------------------------- subscriptions
  app.get('/api/v1/notification-subscriptions', {
    schema: {
      tags,
      summary: 'Subscriptions',
      response: { 200: subscriptionListResponse, ...errorResponses },
    },
    onRequest: read,
    handler: async () => ({ items: (await svc.listSubscriptions()).map(subscriptionDto) }),
  });
  app.post('/api/v1/notification-subscriptions', {
    schema: {
      tags,
      summary: 'Create a subscription: criteria (AND), To/Cc/Bcc subscribers, channels, delay (R43–R45)',
      body: subscriptionBody,
      response: { 201: subscriptionSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) =>
      reply.code(201).send(subscriptionDto(await svc.createSubscription(principalOf(req), req.body))),
  });
  app.get('/api/v1/notification-subscriptions/:id', {
    schema: {
      tags,
      summary: 'One subscription',
      params: idParams,
      response: { 200: subscriptionSchema, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => subscriptionDto(await svc.getSubscription(req.params.id)),
  });
  app.patch('/api/v1/notification-subscriptions/:id', {
    schema: {
      tags,
      summary: 'Change a subscription',
      params: idParams,
      body: subscriptionPatchBody,
      response: { 200: subscriptionSchema, ...errorResponses },
    },
    onRequest: manage,
    handler: async (req) =>
      subscriptionDto(await svc.updateSubscription(principalOf(req), req.params.id, req.body)),
  });
  app.delete('/api/v1/notification-subscriptions/:id', {
    schema: {
      tags,
      summary: 'Delete a subscription',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: manage,
    handler: async (req, reply) => {
      await svc.deleteSubscription(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });

  // ---------------------------------------------------------------- deliveries
  app.get('/api/v1/notification-deliveries', {
    schema: {
      tags,
      summary: 'Deliveries, newest first: sent, waiting, retrying, dead letters and why',
      querystring: deliveryListQuery,
      response: { 200: deliveryListResponse, ...errorResponses },
    },
    onRequest: read,
    handler: async (req) => ({ items: (await svc.listDeliveries(req.query)).map(deliveryDto) }),
  });
}
