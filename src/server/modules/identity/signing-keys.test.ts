// Proves scheduled key rotation: nothing happens while each algorithm's newest key is younger than the
// interval; once older, a new key of that algorithm is published at once and signs only after the prepublish
// time, audited as scheduled; an algorithm never used gets no key; an RS256 key's private half is sealed at
// rest like an ES256 one. Without an interval, rotation is on demand only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createKeyring } from '../../../crypto/keyring.js';
import { createSigningKeys } from './signing-keys.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const DAY = 86_400_000;

describe('scheduled signing key rotation', () => {
  it('publishes a new key of each algorithm in use once its newest is older than the interval, signing after the prepublish time', async () => {
    let clock = Date.now() + 100 * DAY;
    const keyring = createKeyring({
      current: () => t.rootKey,
      find: (id) => (id === t.rootKey.id ? t.rootKey : undefined),
    });
    const keys = createSigningKeys({
      db: t.database.db,
      keyring,
      now: () => new Date(clock),
      keyCacheMs: 0,
      prepublishSeconds: 600,
      rotationIntervalMs: 30 * DAY,
    });
    const es = await keys.signer('ES256');
    const rs = await keys.signer('RS256');
    const sealed = await t.database.query<{ n: string }>(
      'SELECT count(*) AS n FROM sealed_secrets WHERE id = $1',
      [rs.kid],
    );
    expect(Number(sealed[0]?.n)).toBe(1);
    expect(await keys.rotateIfDue()).toEqual([]);

    clock += 31 * DAY;
    const made = await keys.rotateIfDue();
    expect(made.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    const published = (await keys.jwks()).keys.map((k) => k.kid);
    for (const k of made) expect(published).toContain(k.kid);
    // Published, not signing yet: the old keys sign until the prepublish time has passed.
    expect((await keys.signer('ES256')).kid).toBe(es.kid);
    expect((await keys.list()).filter((k) => made.some((m) => m.kid === k.kid)).map((k) => k.state)).toEqual([
      'pending',
      'pending',
    ]);
    expect(await keys.rotateIfDue()).toEqual([]);
    clock += 601_000;
    expect((await keys.signer('ES256')).kid).toBe(made.find((k) => k.alg === 'ES256')!.kid);
    expect((await keys.signer('RS256')).kid).toBe(made.find((k) => k.alg === 'RS256')!.kid);
    const audited = await t.database.query<{ actor: string; details: { reason: string; alg: string } }>(
      `SELECT actor, details FROM audit_log WHERE kind = 'token.signing-key.create' AND target = ANY($1) ORDER BY seq`,
      [made.map((k) => k.kid)],
    );
    expect(audited.map((a) => [a.actor, a.details.reason])).toEqual([
      ['system', 'scheduled'],
      ['system', 'scheduled'],
    ]);
  });

  it('does nothing on a schedule without an interval', async () => {
    const keyring = createKeyring({
      current: () => t.rootKey,
      find: (id) => (id === t.rootKey.id ? t.rootKey : undefined),
    });
    const keys = createSigningKeys({
      db: t.database.db,
      keyring,
      now: () => new Date(Date.now() + 1000 * DAY),
    });
    await keys.signer('ES256');
    expect(await keys.rotateIfDue()).toEqual([]);
  });
});
