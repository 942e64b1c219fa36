// Proves where the CLI keeps its credentials, that the file is private (0600 in a 0700 directory) and replaced whole, and that a damaged file is reported.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { configDir, readCredentials, removeCredentials, writeCredentials } from './credentials.js';

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'steward-creds-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const creds = { url: 'http://127.0.0.1:8420', username: 'dana', token: 'stw_abc', tokenId: 'tok_1' };

describe('credentials file', () => {
  it('lives in STEWARD_CONFIG_DIR, else XDG_CONFIG_HOME/steward, else ~/.config/steward', () => {
    expect(configDir({ STEWARD_CONFIG_DIR: '/a', XDG_CONFIG_HOME: '/b', HOME: '/c' })).toBe('/a');
    expect(configDir({ XDG_CONFIG_HOME: '/b', HOME: '/c' })).toBe('/b/steward');
    expect(configDir({ HOME: '/c' })).toBe('/c/.config/steward');
  });

  it('is written with mode 0600 inside a new 0700 directory, and read back', () => {
    const env = { STEWARD_CONFIG_DIR: join(base, 'nested', 'steward') };
    const path = writeCredentials(env, creds);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(env.STEWARD_CONFIG_DIR).mode & 0o777).toBe(0o700);
    expect(readCredentials(env)).toEqual(creds);
  });

  it('is replaced whole on a second write, leaving no temporary file behind', () => {
    const env = { STEWARD_CONFIG_DIR: base };
    writeCredentials(env, creds);
    writeCredentials(env, { ...creds, username: 'erin' });
    expect(readCredentials(env)?.username).toBe('erin');
    expect(readdirSync(base)).toEqual(['credentials.json']);
  });

  it('reads as absent when there is none, and is removed by logout', () => {
    const env = { STEWARD_CONFIG_DIR: base };
    expect(readCredentials(env)).toBeUndefined();
    writeCredentials(env, creds);
    expect(removeCredentials(env)).toBe(true);
    expect(readCredentials(env)).toBeUndefined();
    expect(removeCredentials(env)).toBe(false);
  });

  it('reports a damaged file with what to do, rather than sending garbage as a token', () => {
    const env = { STEWARD_CONFIG_DIR: base };
    writeFileSync(join(base, 'credentials.json'), '{"url": "x"', { mode: 0o600 });
    expect(() => readCredentials(env)).toThrow(CliError);
    expect(() => readCredentials(env)).toThrow(/steward login/);
  });
});
