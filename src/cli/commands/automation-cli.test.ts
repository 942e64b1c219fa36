// Proves the automation commands end to end in process against a listening app: an account created, a runbook
// imported from a file, published and exported byte for byte, a credential set with its password from stdin
// (never argv) and shown without it, and --json output for scripts.
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

  it('exits with the not-found code for an unknown account', async () => {
    const r = await steward(['runbook', 'list', '--account', 'nope']);
    expect(r.code).toBe(5);
  });
});
