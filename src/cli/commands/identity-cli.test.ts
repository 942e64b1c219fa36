// Proves the identity commands end to end in process against a listening app: a user-assigned identity made and
// listed, attached with `steward automation identity set` (the combined type) and dropped with SystemAssigned
// alone (R56) while it survives, a bad type refused before any request, and a signing key rotated with
// --signs-after and listed as pending.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli-in-process.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

let t: TestApp;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'steward-identity-cli-'));
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => t.close());

const steward = (args: string[]) =>
  runCliInProcess(args, { STEWARD_URL: url, STEWARD_TOKEN: t.adminToken, HOME: dir });

describe('steward identity and steward automation identity', () => {
  it('creates a user-assigned identity, attaches it, and drops it with SystemAssigned alone while it survives', async () => {
    const made = await steward(['identity', 'create', 'cli-reader', '--json']);
    expect(made.code, made.err).toBe(0);
    const uami = JSON.parse(made.out);
    expect(uami.id).toMatch(/^uami_/);
    expect((await steward(['automation', 'account', 'create', 'cli-ident'])).code).toBe(0);
    const set = await steward([
      'automation',
      'identity',
      'set',
      'cli-ident',
      '--type',
      'SystemAssigned, UserAssigned',
      '--user-assigned',
      uami.id,
      '--json',
    ]);
    expect(set.code, set.err).toBe(0);
    expect(JSON.parse(set.out)).toMatchObject({
      type: 'SystemAssigned, UserAssigned',
      userAssignedIdentities: [{ id: uami.id }],
    });
    const alone = await steward([
      'automation',
      'identity',
      'set',
      'cli-ident',
      '--type',
      'SystemAssigned',
      '--json',
    ]);
    expect(JSON.parse(alone.out)).toMatchObject({ type: 'SystemAssigned', userAssignedIdentities: [] });
    const shown = await steward(['automation', 'identity', 'show', 'cli-ident']);
    expect(shown.out).toContain('SystemAssigned');
    const listed = await steward(['identity', 'list']);
    expect(listed.out).toContain('cli-reader');
    const bad = await steward(['automation', 'identity', 'set', 'cli-ident', '--type', 'Both']);
    expect(bad.code).not.toBe(0);
  });

  it('rotates the signing key: published now, pending until it signs', async () => {
    const rotated = await steward(['identity', 'rotate-signing-key', '--signs-after', '120', '--json']);
    expect(rotated.code, rotated.err).toBe(0);
    const key = JSON.parse(rotated.out);
    expect(key.state).toBe('pending');
    const keys = await steward(['identity', 'signing-keys', '--json']);
    expect(JSON.parse(keys.out).items.map((k: { kid: string }) => k.kid)).toContain(key.kid);
    const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(key.kid);
    const rsa = await steward(['identity', 'rotate-signing-key', '--alg', 'RS256', '--json']);
    expect(rsa.code, rsa.err).toBe(0);
    expect(JSON.parse(rsa.out)).toMatchObject({ alg: 'RS256', state: 'pending' });
    expect((await steward(['identity', 'rotate-signing-key', '--alg', 'HS256'])).code).not.toBe(0);
  });
});
