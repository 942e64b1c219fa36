// Enrollment tokens made together and agents enrolling together share transactions, and each request is still
// answered as it would be alone: a used, foreign or expired token, or a computer already enrolled, fails only its
// own request, and every enrollment and registration has its audit record, in the order it happened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { exportPublicKey, generateAgentKeys } from '../../../crypto/agent-keys.js';

let t: TestApp;

const api = (method: string, url: string, body?: unknown) =>
  t.request({ method, url, body, token: t.adminToken });
const makeToken = (computerName: string) =>
  api('POST', '/api/v1/agents/enrollment-tokens', { computerName, expiresInMinutes: 30 });
async function tokenFor(computerName: string): Promise<string> {
  const res = await makeToken(computerName);
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().token;
}
function enroll(computerName: string, token: string, platform?: string) {
  const keys = generateAgentKeys();
  return t.request({
    method: 'POST',
    url: '/api/v1/agent/enroll',
    body: {
      computerName,
      token,
      signingPublicKey: exportPublicKey(keys.signing.publicKey),
      sealingPublicKey: exportPublicKey(keys.sealing.publicKey),
      ...(platform ? { platform } : {}),
    },
  });
}
/** Rows written by one transaction share its id (xmin). */
const transactionsOf = async (table: 'agents' | 'enrollment_tokens', ids: string[]) =>
  (
    await t.database.query<{ n: number }>(
      `SELECT count(DISTINCT xmin::text)::int AS n FROM ${table} WHERE id = ANY($1)`,
      [ids],
    )
  )[0]!.n;
const auditOf = (target: string) =>
  t.database.query<{ kind: string; actor: string }>(
    'SELECT kind, actor FROM audit_log WHERE target = $1 ORDER BY seq',
    [target],
  );

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('enrollment tokens made together', () => {
  it('share a transaction, each audited; a computer with an approved agent is refused alone', async () => {
    const taken = await tokenFor('tk-taken');
    expect((await enroll('tk-taken', taken)).statusCode).toBe(201);
    const answers = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => makeToken(`tk-together-${i}`)),
      makeToken('TK-TAKEN'),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([...Array(12).fill(201), 409]);
    expect(answers[12]!.json().error.issues).toEqual([
      { path: 'body.computerName', message: 'has an approved agent' },
    ]);
    const ids = answers.slice(0, 12).map((a) => a.json().id as string);
    expect(await transactionsOf('enrollment_tokens', ids)).toBeLessThanOrEqual(3);
    for (const id of ids) expect((await auditOf(id)).map((r) => r.kind)).toEqual(['agent.token.create']);
  });
});

describe('agents enrolled together', () => {
  it('share transactions; each agent has its computer and its audit records, in order', async () => {
    const names = Array.from({ length: 16 }, (_, i) => `en-together-${i}`);
    const tokens = await Promise.all(names.map(tokenFor));
    const answers = await Promise.all(names.map((n, i) => enroll(n, tokens[i]!, 'linux')));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(16).fill(201));
    const ids = answers.map((a) => a.json().agentId as string);
    expect(answers.every((a) => a.json().status === 'approved')).toBe(true);
    // Sixteen enrollments in at most four transactions (one each before).
    expect(await transactionsOf('agents', ids)).toBeLessThanOrEqual(4);
    const computers = await t.database.query<{ id: string; name: string; class_id: string }>(
      'SELECT c.id, c.name, o.class_id FROM computers c JOIN objects o ON o.id = c.id WHERE c.id = ANY($1)',
      [ids],
    );
    expect(new Set(computers.map((c) => c.name))).toEqual(new Set(names));
    expect(new Set(computers.map((c) => c.class_id))).toEqual(new Set(['Steward.LinuxComputer']));
    for (const id of ids)
      expect(await auditOf(id)).toEqual([
        { kind: 'computer.create', actor: `agent:${id}` },
        { kind: 'agent.enroll', actor: `agent:${id}` },
      ]);
    const used = await t.database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM enrollment_tokens WHERE used_at IS NOT NULL AND computer_name = ANY($1)',
      [names],
    );
    expect(used[0]!.n).toBe(16);
    expect((await api('GET', '/api/v1/audit/verify')).json().problems).toEqual([]);
  });

  it('a used, repeated or foreign token, or a computer enrolled in the same batch, fails only its own request', async () => {
    const [used, twice, foreign, first, second, good] = await Promise.all(
      ['mx-used', 'mx-twice', 'mx-foreign', 'mx-same', 'mx-same', 'mx-good'].map(tokenFor),
    );
    expect((await enroll('mx-used', used!)).statusCode).toBe(201);
    const answers = await Promise.all([
      enroll('mx-used', used!),
      enroll('mx-twice', twice!),
      enroll('mx-twice', twice!),
      enroll('mx-somewhere-else', foreign!),
      enroll('mx-same', first!),
      enroll('MX-SAME', second!),
      enroll('mx-good', good!),
      enroll('mx-unknown', 'stw_enroll_not-a-token-anyone-made'),
    ]);
    const codes = answers.map((a) => a.statusCode);
    expect(codes[0]).toBe(401);
    expect([codes[1], codes[2]].sort()).toEqual([201, 401]);
    expect(codes[3]).toBe(401);
    expect(answers[3]!.json().error.message).toMatch(/another computer/);
    expect([codes[4], codes[5]].sort()).toEqual([201, 409]);
    expect(codes[6]).toBe(201);
    expect(codes[7]).toBe(401);
    expect(answers[0]!.headers['www-authenticate']).toBe('Agent');
    // The refused requests changed nothing: the foreign token is still unused, one agent per name.
    const agents = await t.database.query<{ name: string; n: number }>(
      "SELECT lower(computer_name) AS name, count(*)::int AS n FROM agents WHERE computer_name ILIKE 'mx-%' GROUP BY 1 ORDER BY 1",
    );
    expect(agents).toEqual([
      { name: 'mx-good', n: 1 },
      { name: 'mx-same', n: 1 },
      { name: 'mx-twice', n: 1 },
      { name: 'mx-used', n: 1 },
    ]);
    const foreignToken = await t.database.query<{ used_at: string | null }>(
      "SELECT used_at FROM enrollment_tokens WHERE computer_name = 'mx-foreign'",
    );
    expect(foreignToken).toEqual([{ used_at: null }]);
  });

  it('a computer registered before its agent keeps its id and takes the class of the reported OS', async () => {
    const computer = await api('POST', '/api/v1/computers', { name: 'pre-registered.contoso.com' });
    expect(computer.statusCode).toBe(201);
    const id = computer.json().id as string;
    const [token, other] = await Promise.all([tokenFor('pre-registered.contoso.com'), tokenFor('en-beside')]);
    const [answer, beside] = await Promise.all([
      enroll('PRE-REGISTERED.contoso.com', token, 'windows'),
      enroll('en-beside', other),
    ]);
    expect([answer.statusCode, beside.statusCode]).toEqual([201, 201]);
    expect(answer.json().agentId).toBe(id);
    const object = (await api('GET', `/api/v1/objects/${id}`)).json();
    expect(object.classId).toBe('Microsoft.Windows.Computer');
    expect(object.properties.PrincipalName).toBe('pre-registered.contoso.com');
    expect((await auditOf(id)).map((r) => r.kind)).toEqual([
      'computer.create',
      'computer.update',
      'agent.enroll',
    ]);
  });
});
