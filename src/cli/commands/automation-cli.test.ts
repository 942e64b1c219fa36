// Proves the automation commands end to end in process against a listening app: an account created, a runbook
// imported from a file, published and exported byte for byte, a credential set with its password from stdin
// (never argv) and shown without it; a runbook's life cycle (create from stdin, edit, publish, show its versions,
// roll back, test-run the draft); an asset and an account deleted; and --json output for scripts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli-in-process.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

let t: TestApp;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'steward-automation-cli-'));
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => t.close());

const steward = (args: string[], stdin = '') =>
  runCliInProcess(args, { STEWARD_URL: url, STEWARD_TOKEN: t.adminToken, HOME: dir }, stdin);

describe('steward automation, runbook and asset', () => {
  it('creates an account, imports, publishes and exports a runbook', async () => {
    const created = await steward([
      'automation',
      'account',
      'create',
      'cli-ops',
      '--max-concurrent-jobs',
      '4',
    ]);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(/Created automation account cli-ops \(aa_/);
    const shown = await steward(['--json', 'automation', 'account', 'show', 'cli-ops']);
    expect(JSON.parse(shown.out).limits.maxConcurrentJobs).toBe(4);

    const file = join(dir, 'hello.sh');
    writeFileSync(file, '#!/bin/sh\necho "héllo"\n');
    const imported = await steward(['runbook', 'import', file, '--account', 'cli-ops', '--publish']);
    expect(imported.code, imported.err).toBe(0);
    expect(imported.out).toMatch(/Imported runbook hello \(rb_.*published as version 1/);
    const list = await steward(['runbook', 'list', '--account', 'cli-ops']);
    expect(list.out).toMatch(/hello\s+shell\s+1/);

    const exported = await steward(['runbook', 'export', 'hello', '--account', 'cli-ops']);
    expect(exported.out).toBe('#!/bin/sh\necho "héllo"\n');
    writeFileSync(file, 'echo v2\n');
    expect((await steward(['runbook', 'import', file, '--account', 'cli-ops'])).out).toMatch(
      /Replaced the draft/,
    );
    const out = join(dir, 'draft.sh');
    await steward(['runbook', 'export', 'hello', '--account', 'cli-ops', '--from', 'draft', '--output', out]);
    expect(readFileSync(out, 'utf8')).toBe('echo v2\n');
  });

  it('sets a credential with the password from stdin and never shows it', async () => {
    const set = await steward(
      [
        'asset',
        'set',
        'credential',
        'SqlLogin',
        '--account',
        'cli-ops',
        '--user',
        'svc-sql',
        '--secret-stdin',
      ],
      'cli-Pa55-word\n',
    );
    expect(set.code, set.err).toBe(0);
    const shown = await steward(['asset', 'show', 'credential', 'SqlLogin', '--account', 'cli-ops']);
    expect(shown.out).toMatch(/User name:\s+svc-sql/);
    expect(shown.out).toContain('(write-only)');
    expect(shown.out + set.out).not.toContain('cli-Pa55-word');
    const refused = await steward([
      'asset',
      'set',
      'variable',
      'Key',
      '--account',
      'cli-ops',
      '--encrypted',
      '--value',
      '"x"',
    ]);
    expect(refused.code).toBe(2);
    const plain = await steward([
      'asset',
      'set',
      'variable',
      'Region',
      '--account',
      'cli-ops',
      '--value',
      '"westeurope"',
    ]);
    expect(plain.code, plain.err).toBe(0);
    const listed = await steward(['--json', 'asset', 'list', '--account', 'cli-ops']);
    expect(JSON.parse(listed.out).items.map((a: { name: string }) => a.name)).toEqual(['SqlLogin', 'Region']);
  });

  it('creates a runbook from stdin, edits, publishes, shows its versions, rolls back, test-runs the draft; deletes an asset and the account', async () => {
    expect((await steward(['automation', 'account', 'create', 'cli-life'])).code).toBe(0);
    const created = await steward(
      ['runbook', 'create', 'Life', '--account', 'cli-life', '--type', 'shell', '--file', '-', '--publish'],
      'echo one\n',
    );
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(/^Created runbook Life \(rb_\w+\), published as version 1\.\n$/);
    const edited = await steward(
      ['runbook', 'edit', 'Life', '--account', 'cli-life', '--file', '-'],
      'echo two\n',
    );
    expect(edited.code, edited.err).toBe(0);
    expect(edited.out).toContain('Saved the draft of Life');
    expect((await steward(['runbook', 'publish', 'Life', '--account', 'cli-life'])).out).toMatch(
      /as version 2\.\n$/,
    );
    const back = await steward(['runbook', 'rollback', 'Life', '--account', 'cli-life', '--to', '1']);
    expect(back.code, back.err).toBe(0);
    expect(back.out).toMatch(/back to the content of version 1, published as version 3\.\n$/);
    const exported = await steward(['runbook', 'export', 'Life', '--account', 'cli-life']);
    expect(exported.out).toBe('echo one\n');
    const shown = await steward(['runbook', 'show', 'Life', '--account', 'cli-life', '--versions']);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toMatch(/^3\s+\S+\s+user:administrator\S*\s+9\s+1\s*$/m);
    const shownJson = JSON.parse(
      (await steward(['--json', 'runbook', 'show', 'Life', '--account', 'cli-life', '--versions'])).out,
    );
    expect(shownJson.versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    const refused = await steward(['runbook', 'rollback', 'Life', '--account', 'cli-life', '--to', '3']);
    // 422, a rule of the domain: exit 7, naming the field.
    expect(refused.code).toBe(7);
    expect(refused.err).toContain('body.version');

    await steward(['runbook', 'edit', 'Life', '--account', 'cli-life', '--file', '-'], 'echo draft\n');
    const testRun = await steward(['--json', 'runbook', 'start', 'Life', '--account', 'cli-life', '--test']);
    expect(testRun.code, testRun.err).toBe(0);
    expect(JSON.parse(testRun.out)).toMatchObject({ runbookVersion: 'draft', status: 'Queued' });

    await steward(['asset', 'set', 'variable', 'Gone', '--account', 'cli-life', '--value', '1']);
    const deleted = await steward(['asset', 'delete', 'variable', 'Gone', '--account', 'cli-life']);
    expect(deleted.code, deleted.err).toBe(0);
    expect((await steward(['asset', 'show', 'variable', 'Gone', '--account', 'cli-life'])).code).toBe(5);
    const gone = await steward(['automation', 'account', 'delete', 'cli-life']);
    expect(gone.code, gone.err).toBe(0);
    expect(gone.out).toMatch(/^Deleted automation account cli-life \(aa_\w+\) and everything in it\.\n$/);
    expect((await steward(['runbook', 'list', '--account', 'cli-life'])).code).toBe(5);
  });

  it('exits with the not-found code for an unknown account', async () => {
    const r = await steward(['runbook', 'list', '--account', 'nope']);
    expect(r.code).toBe(5);
  });
});
