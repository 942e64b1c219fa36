// Proves the configuration loader: safe defaults, and a message naming the variable for any bad or unknown value.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadServerConfig } from './config.js';

describe('server configuration', () => {
  it('defaults to loopback, port 8420, embedded database in ./data, no root key in the environment', () => {
    const c = loadServerConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8420, databaseUrl: undefined, rootKey: undefined });
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(c.listenBacklog).toBe(4096);
    expect(loadServerConfig({ STEWARD_LISTEN_BACKLOG: '1024' }).listenBacklog).toBe(1024);
    expect(c.notifyTimeZone).toBeUndefined();
    expect(loadServerConfig({ STEWARD_NOTIFY_TIME_ZONE: 'Europe/Paris' }).notifyTimeZone).toBe(
      'Europe/Paris',
    );
  });

  it("gives the server's default Run As policy assignment Audit with Azure's dates, or what it is told", () => {
    expect(loadServerConfig({}).legacyRunAsPolicy).toEqual({
      effect: 'Audit',
      creationEndsOn: '2023-04-01',
      renewalEndsOn: '2023-10-01',
    });
    expect(
      loadServerConfig({
        STEWARD_RUNAS_POLICY_EFFECT: 'Deny',
        STEWARD_RUNAS_CREATION_ENDS: '2025-09-14',
        STEWARD_RUNAS_RENEWAL_ENDS: '2025-09-30',
      }).legacyRunAsPolicy,
    ).toEqual({ effect: 'Deny', creationEndsOn: '2025-09-14', renewalEndsOn: '2025-09-30' });
  });

  it.each([
    [{ STEWARD_PORT: 'abc' }, 'STEWARD_PORT'],
    [{ STEWARD_PORT: '70000' }, 'STEWARD_PORT'],
    [{ STEWARD_PROT: '8000' }, 'STEWARD_PROT'],
    [{ STEWARD_LISTEN_BACKLOG: '0' }, 'STEWARD_LISTEN_BACKLOG'],
    [{ STEWARD_LISTEN_BACKLOG: 'deep' }, 'STEWARD_LISTEN_BACKLOG'],
    [{ STEWARD_ROOT_KEY: 'c2hvcnQ=' }, 'STEWARD_ROOT_KEY'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    [{ STEWARD_LOG_LEVEL: 'loud' }, 'STEWARD_LOG_LEVEL'],
    [{ STEWARD_NOTIFY_TIME_ZONE: 'Mars/Olympus' }, 'STEWARD_NOTIFY_TIME_ZONE'],
    [{ STEWARD_NOTIFY_TIME_ZONE: '+02:00' }, 'STEWARD_NOTIFY_TIME_ZONE'],
    [{ STEWARD_TLS: 'maybe' }, 'STEWARD_TLS'],
    [{ STEWARD_RUNAS_POLICY_EFFECT: 'Block' }, 'STEWARD_RUNAS_POLICY_EFFECT'],
    [{ STEWARD_RUNAS_CREATION_ENDS: '1 April 2023' }, 'STEWARD_RUNAS_CREATION_ENDS'],
    [
      { STEWARD_HEARTBEAT_SECONDS: '30', STEWARD_SERVER_TIMEOUT_SECONDS: '10' },
      'STEWARD_SERVER_TIMEOUT_SECONDS',
    ],
  ])('refuses %j naming %s', (env, name) => {
    expect(() => loadServerConfig(env)).toThrow(ConfigError);
    expect(() => loadServerConfig(env)).toThrow(name);
  });

  it('never echoes a secret value in its message', () => {
    const secret = 'bm90LWEtMzItYnl0ZS1rZXktYnV0LXNlY3JldA==';
    try {
      loadServerConfig({ STEWARD_ROOT_KEY: secret });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain(secret);
    }
  });

  it('accepts a PostgreSQL URL and a 32-byte root key', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const c = loadServerConfig({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', STEWARD_ROOT_KEY: key });
    expect(c.databaseUrl).toBe('postgres://u@127.0.0.1:5432/db');
    expect(c.rootKey).toBe(key);
  });
});
