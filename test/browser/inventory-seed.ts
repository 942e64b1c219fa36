// The inventory the console-inventory browser test starts from, made through the API as an administrator: the
// test SQL pack; two SQL computers with an instance each, and more instances on the first than a page of objects
// holds; the account `SQL runner` associated with the SQL profile for every instance and again for a group
// holding one instance beyond the first page, distributed to the first computer only; an agent waiting for
// approval.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { exportPublicKey, generateAgentKeys } from '../../src/crypto/agent-keys.js';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures/packs');
/** The password of `SQL runner`: no answer the console receives may hold it. */
export const ACCOUNT_SECRET = 'Sql-runner-secret-5b2d91';
/** More instances than the objects list's first page holds (100), so that a picker must search on the server. */
const FILLERS = 110;
/** The group `SQL runner` is associated with for the far instance. */
export const CRITICAL_GROUP = 'Test.SQL.Critical';
/** The computer of the agent that enrolled without a token. */
export const PENDING_AGENT = 'web01.contoso.com';

export interface InventorySeed {
  account: string;
  sql01: string;
  sql02: string;
  /** INST01 on sql01, INST02 on sql02. */
  inst01: string;
  inst02: string;
  /** A filler instance not on the first page of objects: a picker finds it only by asking the server. */
  farInstance: { id: string; name: string };
}

/** `call` sends a request as an administrator and fails on any answer but a success. */
export async function seedInventory(
  call: <T>(method: string, path: string, body?: unknown) => Promise<T>,
): Promise<InventorySeed> {
  const id = async (path: string, body: unknown) => (await call<{ id: string }>('POST', path, body)).id;
  await call('POST', '/api/v1/packs', {
    content: readFileSync(resolve(FIXTURES, 'test-sql.yaml'), 'utf8'),
    format: 'yaml',
  });
  const sql01 = await id('/api/v1/computers', { name: 'sql01.contoso.com' });
  const sql02 = await id('/api/v1/computers', { name: 'sql02.contoso.com' });
  const inst01 = await id('/api/v1/objects', { classId: 'Test.SQL.Instance', hostId: sql01, name: 'INST01' });
  const inst02 = await id('/api/v1/objects', { classId: 'Test.SQL.Instance', hostId: sql02, name: 'INST02' });
  for (let i = 0; i < FILLERS; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, j) =>
        call('POST', '/api/v1/objects', {
          classId: 'Test.SQL.Instance',
          hostId: sql01,
          name: `FILL${String(i + j + 1).padStart(3, '0')}`,
        }),
      ),
    );
  }
  const firstPage = await call<{ items: { id: string }[] }>('GET', '/api/v1/objects');
  expect(firstPage.items).toHaveLength(100);
  const fillers = await call<{ items: { id: string; name: string }[] }>(
    'GET',
    '/api/v1/objects?search=FILL&limit=1000',
  );
  expect(fillers.items).toHaveLength(FILLERS);
  const far = fillers.items.find((o) => !firstPage.items.some((p) => p.id === o.id));
  if (!far) throw new Error('every filler is on the first page of objects');
  const account = await id('/api/v1/accounts', {
    name: 'SQL runner',
    credential: { type: 'windows', userName: 'sqlsvc', domain: 'CONTOSO', password: ACCOUNT_SECRET },
  });
  await call('POST', '/api/v1/profiles/Test.SQL.Profile/associations', { accountId: account });
  // The same account again for a group holding the far instance: the Explain page names the group, not its id.
  await call('POST', '/api/v1/groups', {
    id: CRITICAL_GROUP,
    displayName: 'Critical SQL instances',
    members: [far.id],
  });
  await call('POST', '/api/v1/profiles/Test.SQL.Profile/associations', {
    accountId: account,
    scope: { kind: 'group', groupId: CRITICAL_GROUP },
  });
  await call('PUT', `/api/v1/accounts/${account}/distribution`, {
    security: 'more-secure',
    approved: [sql01],
  });
  // An agent that enrolled without a token: it waits for an administrator's approval.
  const keys = generateAgentKeys();
  await call('POST', '/api/v1/agent/enroll', {
    computerName: PENDING_AGENT,
    signingPublicKey: exportPublicKey(keys.signing.publicKey),
    sealingPublicKey: exportPublicKey(keys.sealing.publicKey),
  });
  return { account, sql01, sql02, inst01, inst02, farInstance: { id: far.id, name: far.name } };
}
