// Proves that the agent rows read for the whole fleet at the first request after a start answer later requests,
// and that a change committed to an agent (on any server: the change feed) drops its row before it is asked for.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { exportPublicKey, generateAgentKeys } from '../../../crypto/agent-keys.js';
import { agents } from '../../../store/schema.js';
import type { Change } from '../resolution/resolution-service.js';
import { createAgentCache } from './agent-cache.js';
import * as repo from './agents-repo.js';

let t: TestApp;
const ids = ['agent_cache_one', 'agent_cache_two', 'agent_cache_three'];

beforeAll(async () => {
  t = await createTestApp();
  for (const id of ids) {
    const keys = generateAgentKeys();
    await repo.insertAgent(t.database.db, {
      id,
      computerName: `${id}.example.test`,
      signingPublicKey: exportPublicKey(keys.signing.publicKey),
      sealingPublicKey: exportPublicKey(keys.sealing.publicKey),
      status: 'approved',
    });
  }
});
afterAll(() => t?.close());

/**
 * Changes the row behind the cache's back: no change notice, as with a change on another server before its
 * notice arrives.
 */
const setStatus = (id: string, status: string) =>
  t.database.db.update(agents).set({ status }).where(eq(agents.id, id));

describe('the agent cache', () => {
  it("reads every approved agent's row at the first request and drops one when a change to it arrives", async () => {
    const listeners: ((c: Change) => void)[] = [];
    const cache = createAgentCache({
      db: t.database.db,
      onChange: (l) => listeners.push(l),
      lastSeenIntervalMs: 10_000,
    });
    const notify = (c: Change) => {
      for (const l of listeners) l(c);
    };
    expect((await cache.get(ids[0]!))?.status).toBe('approved');
    // Read with the first: a later change with no notice yet is not seen, so neither agent was read again.
    await setStatus(ids[1]!, 'revoked');
    await setStatus(ids[2]!, 'revoked');
    expect((await cache.get(ids[1]!))?.status).toBe('approved');
    // The notice of a change to the third drops its row before it was asked for: read again, as it is now.
    notify({ kind: 'agent.revoke', target: ids[2]! });
    expect((await cache.get(ids[2]!))?.status).toBe('revoked');
    notify({ kind: 'reset', target: null });
    expect((await cache.get(ids[1]!))?.status).toBe('revoked');
    expect(await cache.get('agent_cache_unknown')).toBeUndefined();
  });

  it('keeps half of each page of agents free, so a last contact rewrites the row beside the old one', async () => {
    const result = (await t.database.db.execute(
      sql`SELECT reloptions FROM pg_class WHERE relname = 'agents' AND relkind = 'r'`,
    )) as unknown as { rows: { reloptions: string[] | string | null }[] };
    expect(String(result.rows[0]?.reloptions)).toContain('fillfactor=50');
  });
});
