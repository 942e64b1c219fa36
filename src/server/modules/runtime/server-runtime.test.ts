// Proves the server holding the Notifications Resource Pool starts a notifier round for an alert raised on
// another server as soon as the change feed brings it, not at its next poll (which this test sets to an hour).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { builtInPoolIds } from '../../../contract/inventory.js';
import { createAlertsService } from '../alerts/alerts-service.js';
import { createServerRuntime, type ServerRuntime } from './server-runtime.js';

const HOUR = 3_600_000;
let a: TestApp;
let b: TestApp;
let runtime: ServerRuntime | undefined;
let rounds = 0;

beforeAll(async () => {
  a = await createTestApp({ resolutionPollMs: 100 });
  b = await createTestApp({ sameGroupAs: a });
});
afterAll(async () => {
  await runtime?.stop();
  await b?.close();
  await a?.close();
});

async function until(check: () => boolean, limitMs: number) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

describe('server runtime', () => {
  it('starts a notifier round for an alert raised on another server through the change feed', async () => {
    const [server] = await a.database.query<{ id: string }>(
      'SELECT id FROM management_servers WHERE stopped_at IS NULL ORDER BY started_at LIMIT 1',
    );
    runtime = createServerRuntime({
      db: a.database.db,
      serverId: server!.id,
      alerts: createAlertsService({ db: a.database.db }),
      resolution: a.app.resolution,
      sweepMs: HOUR,
      notifyMs: HOUR,
      notifier: {
        async tick() {
          rounds++;
        },
        async release() {},
      },
    });
    runtime.start();
    await until(() => runtime!.leases.holds(builtInPoolIds.notifications), 10_000);
    const before = rounds;
    const raised = await b.request({
      method: 'POST',
      url: '/api/v1/alerts',
      token: b.adminToken,
      body: { name: 'Raised on the other server', severity: 'critical' },
    });
    expect(raised.statusCode, raised.body).toBe(201);
    const took = await until(() => rounds > before, 2000);
    expect(took).toBeLessThan(2000);
  });
});
