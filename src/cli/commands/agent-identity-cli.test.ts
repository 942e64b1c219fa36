// Proves `steward agent identity show|enable|disable` and `steward worker-group identity enable|disable` in process
// against a listening app with a really enrolled agent: off at first; turned on for the computer by computer name
// (its principal printed and kept when turned off and on again); on through a worker group while off for the
// computer, the output naming the group; an unknown computer (NOT_FOUND) and an author (FORBIDDEN) are refused with nothing changed; the help explains the metadata endpoint and the opt-in.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli-in-process.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { createAgentApi } from '../../agent/agent-api.js';
import { loadOrCreateIdentity } from '../../agent/agent-identity.js';
import { exitCodeFor } from '../../contract/errors.js';

let t: TestApp;
let url: string;
let agentId: string;
const dir = mkdtempSync(join(tmpdir(), 'steward-agent-identity-cli-'));
const COMPUTER = 'idcli01.contoso.com';

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const token = (
    await t.request({
      method: 'POST',
      url: '/api/v1/agents/enrollment-tokens',
      token: t.adminToken,
      body: { computerName: COMPUTER },
    })
  ).json().token;
  const api = createAgentApi({ server: url, identity: loadOrCreateIdentity(join(dir, 'agent')) });
  await api.enroll({ computerName: COMPUTER, token });
  agentId = api.agentId!;
});
afterAll(() => t.close());

const steward = (args: string[], token = t.adminToken) =>
  runCliInProcess(args, { STEWARD_URL: url, STEWARD_TOKEN: token, HOME: dir });
const json = async (args: string[]) => {
  const r = await steward([...args, '--json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
};

describe('steward agent identity and steward worker-group identity', () => {
  it("turns a computer's identity on and off by computer name; the principal is kept", async () => {
    const off = await steward(['agent', 'identity', 'show', COMPUTER]);
    expect(off.code, off.err).toBe(0);
    expect(off.out).toMatch(/Identity:?\s+off/);
    expect(off.out).toContain('made when first turned on');

    const on = await json(['agent', 'identity', 'enable', COMPUTER]);
    expect(on).toMatchObject({ agentId, enabled: true, direct: true, principalId: expect.any(String) });
    const shown = await steward(['agent', 'identity', 'show', agentId]);
    expect(shown.out).toMatch(/Identity:?\s+on: turned on for the computer/);
    expect(shown.out).toContain(on.principalId);

    const disabled = await steward(['agent', 'identity', 'disable', COMPUTER]);
    expect(disabled.code, disabled.err).toBe(0);
    expect(disabled.out).toContain(`Computer identity of ${COMPUTER} turned off`);
    const again = await json(['agent', 'identity', 'enable', COMPUTER]);
    expect(again.principalId).toBe(on.principalId);
    await json(['agent', 'identity', 'disable', COMPUTER]);

    const audit = await t.database.query<{ details: { enabled: boolean } }>(
      `SELECT details FROM audit_log WHERE kind = 'identity.computer.set' AND target = $1 ORDER BY seq`,
      [agentId],
    );
    expect(audit.map((a) => a.details.enabled)).toEqual([true, false, true, false]);
  });

  it('turns it on for every agent of a worker group; the agent shows the group as the reason', async () => {
    expect((await steward(['worker-group', 'create', 'Id-Workers'])).code).toBe(0);
    expect((await steward(['worker-group', 'add-agent', 'Id-Workers', COMPUTER])).code).toBe(0);
    const on = await steward(['worker-group', 'identity', 'enable', 'Id-Workers']);
    expect(on.code, on.err).toBe(0);
    expect(on.out).toMatch(/Computer identity turned on for the agents of worker group Id-Workers \(hwg_/);
    const shown = await json(['agent', 'identity', 'show', COMPUTER]);
    expect(shown).toMatchObject({ enabled: true, direct: false, groups: [{ name: 'Id-Workers' }] });
    // Off for the computer, still on through the group: said so.
    const still = await steward(['agent', 'identity', 'disable', COMPUTER]);
    expect(still.out).toContain('It stays on through worker group(s) Id-Workers');

    const off = await json(['worker-group', 'identity', 'disable', 'Id-Workers']);
    expect(off).toMatchObject({ name: 'Id-Workers', computerIdentity: false });
    expect((await json(['agent', 'identity', 'show', COMPUTER])).enabled).toBe(false);
  });

  it('refuses an unknown computer and an author, changing nothing', async () => {
    const unknown = await steward(['agent', 'identity', 'enable', 'nowhere.contoso.com']);
    expect(unknown.code).toBe(exitCodeFor('NOT_FOUND'));
    expect(unknown.err).toContain("No agent runs on a computer named 'nowhere.contoso.com'");
    const author = await steward(['agent', 'identity', 'enable', agentId], await t.tokenFor('author'));
    expect(author.code).toBe(exitCodeFor('FORBIDDEN'));
    const group = await steward(
      ['worker-group', 'identity', 'enable', 'Id-Workers'],
      await t.tokenFor('author'),
    );
    expect(group.code).toBe(exitCodeFor('FORBIDDEN'));
    expect((await json(['agent', 'identity', 'show', COMPUTER])).enabled).toBe(false);
  });

  it('explains the metadata endpoint and the opt-in in its help', async () => {
    const help = await steward(['agent', 'identity', '--help']);
    expect(help.out).toContain('127.0.0.1:40342');
    expect(help.out).toContain('off until an administrator turns it on');
    expect(help.out).toMatch(/enable <agent>/);
    const wg = await steward(['worker-group', 'identity', 'enable', '--help']);
    expect(wg.out).toContain('every agent of the group');
  });
});
