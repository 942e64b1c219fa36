// Proves `steward alert` end to end against a real listening server: raise (and repeat by dedupe key), list with
// filters, show, update and close, and the refusals a script sees as exit codes. Each test spawns `node dist/index.js`.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCliProcess } from '../support/cli-process.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let url: string;
let scratch: string;
let computerId: string;

const steward = (args: string[], token = t.adminToken) =>
  runCliProcess(args, {
    HOME: scratch,
    STEWARD_CONFIG_DIR: join(scratch, 'config'),
    STEWARD_URL: url,
    STEWARD_TOKEN: token,
  });

async function json(args: string[]) {
  const r = await steward([...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  assertCliBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'steward-cli-alert-'));
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/computers',
    token: t.adminToken,
    body: { name: 'db01.contoso.com' },
  });
  computerId = res.json().id;
});

afterAll(async () => {
  await t?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('steward alert', { timeout: 60_000 }, () => {
  it('raises, repeats, lists, shows, updates and closes an alert', async () => {
    const raised = await steward([
      'alert',
      'raise',
      '--name',
      'Disk full',
      '--severity',
      'critical',
      '--object',
      computerId,
      '--dedupe-key',
      'disk:db01',
      '--custom',
      '1=C:',
    ]);
    expect(raised.stderr).toBe('');
    expect(raised.code).toBe(0);
    const id = /\((alrt_[a-z0-9]+)\)/.exec(raised.stdout)?.[1];
    expect(raised.stdout).toMatch(/^Raised critical alert Disk full \(alrt_[a-z0-9]+\)\./);

    const repeated = await steward([
      'alert',
      'raise',
      '--name',
      'Disk full',
      '--severity',
      'critical',
      '--dedupe-key',
      'disk:db01',
    ]);
    expect(repeated.stdout).toBe(`Repeated alert Disk full (${id}): repeat count 1.\n`);

    await json(['alert', 'raise', '--name', 'Slow page', '--severity', 'warning', '--priority', 'low']);
    const table = await steward(['alert', 'list', '--severity', 'critical']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(id);
    expect(table.stdout).toContain('Disk full');
    expect(table.stdout).not.toContain('Slow page');

    const updated = await json([
      'alert',
      'update',
      id!,
      '--owner',
      'alice',
      '--ticket',
      'INC-7',
      '--state',
      '5',
    ]);
    expect(updated).toMatchObject({ owner: 'alice', ticketId: 'INC-7', resolutionState: 5 });

    const shown = await steward(['alert', 'show', id!]);
    expect(shown.stdout).toMatch(/Resolution state:\s+5 \(Custom 5\)/);
    expect(shown.stdout).toMatch(/Owner:\s+alice/);
    expect(shown.stdout).toMatch(/Custom1:\s+C:/);
    expect(shown.stdout).toMatch(/Repeat count:\s+1/);

    const closed = await steward(['alert', 'close', id!]);
    expect(closed.stdout).toBe(`Closed alert Disk full (${id}).\n`);
    const open = await json(['alert', 'list']);
    expect(open.items.map((a: { id: string }) => a.id)).not.toContain(id);
    const done = await json(['alert', 'list', '--state', 'closed']);
    expect(done.items).toEqual([
      expect.objectContaining({ id, resolutionState: 255, timeResolved: expect.any(String) }),
    ]);
  });

  it('exits with the code of each refusal: bad input 2, not allowed 4, not found 5', async () => {
    const bad = await steward([
      'alert',
      'raise',
      '--name',
      'x',
      '--severity',
      'critical',
      '--object',
      'obj_nothing',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('body.sourceObjectId');

    const readOnly = await t.tokenFor('read-only-operator');
    const refused = await steward(['alert', 'raise', '--name', 'x', '--severity', 'warning'], readOnly);
    expect(refused.code).toBe(4);
    expect((await steward(['alert', 'list'], readOnly)).code).toBe(0);

    const missing = await steward(['alert', 'close', 'alrt_nosuch']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('NOT_FOUND');
  });
});
