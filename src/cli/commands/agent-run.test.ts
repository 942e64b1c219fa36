// Proves how `steward agent` settles its settings: options before STEWARD_AGENT_* variables, a server required.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { agentRunSettings } from './agent-run.js';

describe('agent run settings', () => {
  it('takes options first and falls back to STEWARD_AGENT_* variables', () => {
    const env = {
      STEWARD_AGENT_SERVERS: 'http://a:1, http://b:2',
      STEWARD_AGENT_TOKEN: 'stw_enroll_env',
      STEWARD_AGENT_DATA_DIR: '/var/lib/agent',
      STEWARD_AGENT_NAME: 'env-host',
    };
    expect(agentRunSettings({}, env)).toMatchObject({
      servers: ['http://a:1', 'http://b:2'],
      token: 'stw_enroll_env',
      dataDir: '/var/lib/agent',
      computerName: 'env-host',
    });
    expect(
      agentRunSettings({ server: ['https://c'], token: 't', dataDir: 'd', name: 'opt-host' }, env),
    ).toMatchObject({ servers: ['https://c'], token: 't', dataDir: resolve('d'), computerName: 'opt-host' });
  });

  it('refuses a missing server and a server that is not an http(s) URL, as bad input', () => {
    for (const opts of [{}, { server: ['ftp://x'] }, { server: ['not a url'] }]) {
      let err: unknown;
      try {
        agentRunSettings(opts, {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(2);
    }
  });

  it('serves the metadata endpoint on 40342 unless told another port or off; anything else is bad input', () => {
    const dir = { dataDir: '/tmp/steward-agent-run-test' };
    expect(agentRunSettings({ server: ['http://a'], ...dir }, {}).metadataPort).toBe(40342);
    expect(
      agentRunSettings({ server: ['http://a'], ...dir }, { STEWARD_AGENT_METADATA_PORT: '0' }).metadataPort,
    ).toBe(0);
    expect(
      agentRunSettings(
        { server: ['http://a'], metadataPort: 'off', ...dir },
        { STEWARD_AGENT_METADATA_PORT: '9' },
      ).metadataPort,
    ).toBeUndefined();
    for (const bad of ['70000', '-1', 'x', '1.5'])
      expect(() => agentRunSettings({ server: ['http://a'], metadataPort: bad, ...dir }, {})).toThrow(
        /--metadata-port/,
      );
  });
});
