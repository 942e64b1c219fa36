// Notification configuration in the database: channels, subscribers and subscriptions, with what names them
// (a subscriber, a channel, a class or a group a subscription uses) and whether a Run As profile exists.
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import {
  notificationChannels,
  notificationSubscribers,
  notificationSubscriptions,
  profiles,
} from '../../../store/schema.js';

export type ChannelRow = typeof notificationChannels.$inferSelect;
export type SubscriberRow = typeof notificationSubscribers.$inferSelect;
export type SubscriptionRow = typeof notificationSubscriptions.$inferSelect;

export const listChannels = (db: Executor) =>
  db.select().from(notificationChannels).orderBy(asc(notificationChannels.name));
export const findChannel = async (db: Executor, id: string) =>
  (await db.select().from(notificationChannels).where(eq(notificationChannels.id, id)))[0];
export const findChannels = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select()
        .from(notificationChannels)
        .where(inArray(notificationChannels.id, [...ids]))
    : Promise.resolve([]);
export const insertChannel = async (db: Executor, row: typeof notificationChannels.$inferInsert) =>
  (await db.insert(notificationChannels).values(row).returning())[0]!;
export const updateChannel = async (
  db: Executor,
  id: string,
  patch: Partial<typeof notificationChannels.$inferInsert>,
) =>
  (
    await db
      .update(notificationChannels)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(notificationChannels.id, id))
      .returning()
  )[0];
export const deleteChannel = (db: Executor, id: string) =>
  db.delete(notificationChannels).where(eq(notificationChannels.id, id));

export const listSubscribers = (db: Executor) =>
  db.select().from(notificationSubscribers).orderBy(asc(notificationSubscribers.name));
export const findSubscriber = async (db: Executor, id: string) =>
  (await db.select().from(notificationSubscribers).where(eq(notificationSubscribers.id, id)))[0];
export const findSubscribers = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select()
        .from(notificationSubscribers)
        .where(inArray(notificationSubscribers.id, [...ids]))
    : Promise.resolve([]);
export const insertSubscriber = async (db: Executor, row: typeof notificationSubscribers.$inferInsert) =>
  (await db.insert(notificationSubscribers).values(row).returning())[0]!;
export const updateSubscriber = async (
  db: Executor,
  id: string,
  patch: Partial<typeof notificationSubscribers.$inferInsert>,
) =>
  (
    await db
      .update(notificationSubscribers)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(notificationSubscribers.id, id))
      .returning()
  )[0];
export const deleteSubscriber = (db: Executor, id: string) =>
  db.delete(notificationSubscribers).where(eq(notificationSubscribers.id, id));

export const listSubscriptions = (db: Executor, enabledOnly = false) =>
  db
    .select()
    .from(notificationSubscriptions)
    .where(enabledOnly ? eq(notificationSubscriptions.enabled, true) : undefined)
    .orderBy(asc(notificationSubscriptions.name));
export const findSubscription = async (db: Executor, id: string) =>
  (await db.select().from(notificationSubscriptions).where(eq(notificationSubscriptions.id, id)))[0];
export const findSubscriptions = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select()
        .from(notificationSubscriptions)
        .where(inArray(notificationSubscriptions.id, [...ids]))
    : Promise.resolve([]);
export const insertSubscription = async (db: Executor, row: typeof notificationSubscriptions.$inferInsert) =>
  (await db.insert(notificationSubscriptions).values(row).returning())[0]!;
export const updateSubscription = async (
  db: Executor,
  id: string,
  patch: Partial<typeof notificationSubscriptions.$inferInsert>,
) =>
  (
    await db
      .update(notificationSubscriptions)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(notificationSubscriptions.id, id))
      .returning()
  )[0];
export const deleteSubscription = (db: Executor, id: string) =>
  db.delete(notificationSubscriptions).where(eq(notificationSubscriptions.id, id));

/** Subscriptions that name a subscriber (any role) or a channel: what blocks deleting them. */
export const subscriptionsUsing = async (db: Executor, what: { subscriberId?: string; channelId?: string }) =>
  (await listSubscriptions(db)).filter((s) =>
    what.subscriberId
      ? [...s.recipients.to, ...s.recipients.cc, ...s.recipients.bcc].includes(what.subscriberId)
      : s.channelIds.includes(what.channelId!),
  );

/**
 * Subscriptions whose criteria name any of these classes or groups, and which one: what deleting a class or a
 * group (by hand or with its pack) would leave matching nothing.
 */
export async function subscriptionsNaming(
  db: Executor,
  what: { classIds?: readonly string[]; groupIds?: readonly string[] },
): Promise<{ id: string; name: string; names: string }[]> {
  const named = [
    ...(what.classIds ?? []).map((id) => ({ key: 'classIds', id })),
    ...(what.groupIds ?? []).map((id) => ({ key: 'groupIds', id })),
  ];
  if (!named.length) return [];
  const out: { id: string; name: string; names: string }[] = [];
  for (const n of named)
    for (const s of await db
      .select({ id: notificationSubscriptions.id, name: notificationSubscriptions.name })
      .from(notificationSubscriptions)
      .where(sql`${notificationSubscriptions.criteria} @> ${JSON.stringify({ [n.key]: [n.id] })}::jsonb`))
      out.push({ ...s, names: `${n.key === 'classIds' ? 'class' : 'group'} '${n.id}'` });
  return out;
}

export const profileExists = async (db: Executor, id: string) =>
  (await db.select({ id: profiles.id }).from(profiles).where(eq(profiles.id, id))).length > 0;
