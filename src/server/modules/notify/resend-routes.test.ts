// Proves sending deliveries again: dead letters are queued afresh (attempts reset, picked up by the notifier's
// claim), unknown ones only with force, a sent one never; a dry run changes nothing; every resend is audited;
// and only administrators may resend.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { notificationDeliveries } from '../../../store/schema.js';
import { claimDue } from './delivery-outbox-repo.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

let n = 0;
async function delivery(status: string, channelId = 'nch_mail', createdAt = new Date()) {
  const id = `dlv_resend${++n}`;
  await t.database.db.insert(notificationDeliveries).values({
    id,
    alertId: 'alrt_1',
    changeSeq: n,
    reason: 'started-matching',
    subscriptionId: 'nsub_1',
    channelId,
    subscriberId: 'nsbr_1',
    address: 'ops@contoso.com',
    role: 'to',
    status,
    attempts: 5,
    nextAttemptAt: createdAt,
    lastError: status === 'dead' ? 'connect ECONNREFUSED 127.0.0.1:25' : null,
    createdAt,
  });
  return id;
}
const statusOf = async (id: string) =>
  (await t.database.db.select().from(notificationDeliveries).where(eq(notificationDeliveries.id, id)))[0]!;
const resend = (body: unknown, token = t.adminToken) =>
  t.request({ method: 'POST', url: '/api/v1/notification-deliveries/resend', token, body });

beforeEach(async () => {
  await t.database.db.execute(sql`DELETE FROM notification_deliveries`);
});

describe('POST /api/v1/notification-deliveries/resend', () => {
  it('shows in a dry run what would go, and changes nothing', async () => {
    const dead = await delivery('dead');
    await delivery('sent');
    const r = await resend({ status: 'dead', dryRun: true });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ dryRun: true, matched: 1, resent: 0, refused: [] });
    expect(r.json().items.map((d: { id: string }) => d.id)).toEqual([dead]);
    expect((await statusOf(dead)).status).toBe('dead');
  });

  it('queues dead letters afresh for the notifier, by status, channel and time, and audits it', async () => {
    const old = await delivery('dead', 'nch_mail', new Date(Date.now() - 3_600_000));
    const recent = await delivery('dead');
    const otherChannel = await delivery('dead', 'nch_sms');
    const r = await resend({
      status: 'dead',
      channelId: 'nch_mail',
      since: new Date(Date.now() - 600_000).toISOString(),
    });
    expect(r.json()).toMatchObject({ matched: 1, resent: 1 });
    expect(await statusOf(recent)).toMatchObject({ status: 'pending', attempts: 0, lastError: null });
    expect((await statusOf(old)).status).toBe('dead');
    expect((await statusOf(otherChannel)).status).toBe('dead');
    const claimed = await claimDue(t.database.db, 'srv_test', new Date(), 10);
    expect(claimed.map((d) => d.id)).toEqual([recent]);
    const [audit] = await t.database.query<{ details: Record<string, unknown>; target: string }>(
      `SELECT details, target FROM audit_log WHERE kind = 'notification.resend' ORDER BY seq DESC LIMIT 1`,
    );
    expect(audit).toMatchObject({
      target: recent,
      details: { count: 1, force: false, filter: { status: 'dead', channelId: 'nch_mail' } },
    });
  });

  it('never sends again a delivery that was sent, and an unknown one only with force', async () => {
    const sent = await delivery('sent');
    const unknown = await delivery('unknown');
    const waiting = await delivery('retry');
    const plain = await resend({ ids: [sent, unknown, waiting] });
    expect(plain.json()).toMatchObject({ matched: 3, resent: 0 });
    expect(plain.json().refused).toEqual([
      { id: sent, status: 'sent', reason: 'it was sent' },
      { id: unknown, status: 'unknown', reason: expect.stringMatching(/force/) },
      { id: waiting, status: 'retry', reason: 'it is still waiting to be sent' },
    ]);
    const forced = await resend({ ids: [sent, unknown], force: true });
    expect(forced.json()).toMatchObject({ resent: 1 });
    expect((await statusOf(unknown)).status).toBe('pending');
    expect((await statusOf(sent)).status).toBe('sent');
  });

  it('refuses a request that chooses nothing, naming the field', async () => {
    const r = await resend({ channelId: 'nch_mail' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.issues[0].path).toBe('body.status');
  });

  it('is for administrators: 401 without a token, 403 for every other role', async () => {
    const dead = await delivery('dead');
    expect(
      (await t.request({ method: 'POST', url: '/api/v1/notification-deliveries/resend', body: {} }))
        .statusCode,
    ).toBe(401);
    for (const role of ['author', 'advanced-operator', 'operator', 'read-only-operator'] as const) {
      const r = await resend({ ids: [dead] }, await t.tokenFor(role));
      expect(r.statusCode, role).toBe(403);
    }
    expect((await statusOf(dead)).status).toBe('dead');
  });
});
