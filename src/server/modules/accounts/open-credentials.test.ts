// Proves that deliveries asked for together (agents reconnecting at once) open each sealed value once for all of
// them, give each request exactly what it asked for, and keep nothing opened for the next ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createKeyring, type Keyring } from '../../../crypto/keyring.js';
import { createAccountsService } from './accounts-service.js';

let t: TestApp;
const accounts: { id: string; version: number }[] = [];

beforeAll(async () => {
  t = await createTestApp();
  for (const n of [1, 2, 3]) {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/accounts',
      token: t.adminToken,
      body: {
        name: `open-once-${n}`,
        credential: { type: 'windows', userName: `svc${n}`, password: `pw-${n}` },
      },
    });
    expect(res.statusCode).toBe(201);
    accounts.push({ id: res.json().id, version: 1 });
  }
});
afterAll(() => t?.close());

describe('opening credentials for delivery', () => {
  it('opens a value asked for by requests of the same moment once, and again for later ones', async () => {
    const root = t.rootKey;
    const keyring = createKeyring({ current: () => root, find: (id) => (id === root.id ? root : undefined) });
    const opened: string[] = [];
    const counting: Keyring = {
      ...keyring,
      open: (recordId, version, sealed) => {
        opened.push(`${recordId}@${version}`);
        return keyring.open(recordId, version, sealed);
      },
    };
    const service = createAccountsService({ db: t.database.db, keyring: counting });
    const [a, b, c] = accounts as [(typeof accounts)[0], (typeof accounts)[0], (typeof accounts)[0]];
    const asked = [[a, b], [b, a], [c], [a, { ...c, version: 2 }]];
    const answers = await Promise.all(asked.map((r) => service.openCredentials(r)));
    expect(answers.map((o) => o.map((x) => [x.accountId, x.secret.password]))).toEqual([
      [
        [a.id, 'pw-1'],
        [b.id, 'pw-2'],
      ],
      [
        [b.id, 'pw-2'],
        [a.id, 'pw-1'],
      ],
      [[c.id, 'pw-3']],
      [[a.id, 'pw-1']],
    ]);
    expect(opened.sort()).toEqual([a, b, c].map((x) => `${x.id}@1`).sort());

    await service.openCredentials([a]);
    expect(opened.filter((k) => k === `${a.id}@1`)).toHaveLength(2);
  });
});
