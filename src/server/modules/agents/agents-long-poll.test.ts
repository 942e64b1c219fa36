// Proves that a change notice reaching many waiting configuration long-polls wakes them a thousand a turn of the
// event loop (so the first are answered while the rest wait, and their answers never pile up all at once), and
// that every one of them, whichever turn woke it, gets the changed configuration — but one revoked or deleted in
// the database meanwhile (as on another server, before its notice arrives) gets the refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import type { RunnerConfig } from '../../../domain/resolution/resolution-engine.js';
import { createAgentsService } from './agents-service.js';

const FLEET = 2_500;
let t: TestApp;
const ids = Array.from({ length: FLEET }, (_, i) => `agent_wake_${i}`);
const REVOKED = 'agent_wake_1500';
/** Has no row: as an agent deleted while it waited. */
const GONE = `agent_wake_${FLEET - 1}`;

beforeAll(async () => {
  t = await createTestApp();
  // Only their status is read (the fresh check after a wait): no keys are needed.
  await t.database.query(
    `INSERT INTO agents (id, computer_name, signing_public_key, sealing_public_key, status)
     SELECT 'agent_wake_' || g, 'agent-wake-' || g || '.example.test', 'unused', 'unused', 'approved'
     FROM generate_series(0, ${FLEET - 2}) AS g`,
  );
});
afterAll(() => t?.close());

describe('configuration long-polls woken by a change', () => {
  it('are woken a thousand a turn; each gets the change, unless it is no longer approved in the database', async () => {
    let tag = 'before';
    let tagsRead = 0;
    const engine = {
      tagOf: () => {
        tagsRead++;
        return tag;
      },
      configOf: (runnerId: string): RunnerConfig => ({
        runnerId,
        tag,
        defaultActionAccountId: null,
        entries: [],
        accounts: [],
      }),
    };
    const notices: ((runners: string[]) => void)[] = [];
    const agents = createAgentsService({
      db: t.database.db,
      accounts: { openCredentials: async () => [] },
      resolution: {
        latest: async () => engine as never,
        onRunnersChanged: (l) => {
          notices.push(l);
          return () => true;
        },
        onChange: () => () => true,
      },
    });
    const answers = Promise.allSettled(
      ids.map((id) => agents.config(id, { tag: 'before', waitSeconds: 30 })),
    );
    await new Promise((r) => setImmediate(r));
    expect(tagsRead).toBe(FLEET);

    // Revoked behind the service's back (on another server, its notice not yet here): the fresh check sees it.
    await t.database.query(`UPDATE agents SET status = 'revoked' WHERE id = $1`, [REVOKED]);
    tag = 'after';
    tagsRead = 0;
    for (const notify of notices) notify(ids);
    // What the notice's own turn did, once its promises settled: the first thousand only.
    await new Promise((r) => process.nextTick(r));
    expect(tagsRead).toBe(1000);
    await new Promise((r) => setImmediate(r));
    expect(tagsRead).toBe(2000);

    const settled = await answers;
    expect(tagsRead).toBe(FLEET);
    const refused = ids.filter((_, i) => settled[i]!.status === 'rejected');
    expect(refused).toEqual([REVOKED, GONE]);
    for (const id of refused)
      expect((settled[ids.indexOf(id)] as PromiseRejectedResult).reason).toMatchObject({
        code: 'AGENT_REVOKED',
      });
    const changed = settled.flatMap((a) =>
      a.status === 'fulfilled' && a.value.kind === 'changed' ? [a.value] : [],
    );
    expect(changed.every((a) => a.config.tag === 'after')).toBe(true);
    expect(new Set(changed.map((a) => a.config.runnerId)).size).toBe(FLEET - 2);
  });
});
