// Builds the real application on a clean test database, with helpers to sign in as any role.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { createKeyring, generateRootKey, type RootKey } from '../../src/crypto/keyring.js';
import { hashPassword } from '../../src/crypto/passwords.js';
import type { LegacyRunAsSettings } from '../../src/domain/policy/legacy-run-as.js';
import type { Role } from '../../src/domain/roles.js';
import { buildApp } from '../../src/server/app.js';
import { bootstrap } from '../../src/server/bootstrap.js';
import { createServersService } from '../../src/server/modules/servers/servers-service.js';
import type { Database } from '../../src/store/db.js';
import { users } from '../../src/store/schema.js';
import { openTestDatabase } from './test-database.js';

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  rootKey: RootKey;
  /** A token for a fresh user of this role (password already changed). */
  tokenFor(role: Role): Promise<string>;
  adminToken: string;
  request(opts: {
    method: string;
    url: string;
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export const TEST_PASSWORD = 'correct horse battery staple';

export async function createTestApp(
  opts: {
    loginMaxFailures?: number;
    /** Every line the server logs, at every level, is added here (to look for secrets in them). */
    logLines?: string[];
    /** Another server of the same management group: this app shares that one's database and root key. */
    sameGroupAs?: TestApp;
    /** STEWARD_NOTIFY_TIME_ZONE of the server. */
    notifyTimeZone?: string;
    /** The issuer of identity tokens; a function when it is known only once the app listens. */
    issuerUrl?: () => string | undefined;
    /** The server's clock (a test moves it to see keys and tokens age). */
    now?: () => Date;
    /** STEWARD_TOKEN_RS256_AUDIENCES of the server. */
    rs256Audiences?: string[];
    /** How often the server looks for other servers' changes (none by default: tests write through it). */
    resolutionPollMs?: number;
    /** The built console to serve (default: none, so a build in dist/ changes nothing here). */
    consoleDir?: string;
    /** Honour X-Forwarded-* headers (STEWARD_TRUST_PROXY). */
    trustProxy?: boolean;
    /** The server's default assignment of "No new certificate Run As accounts" (effect and dates). */
    legacyRunAsPolicy?: LegacyRunAsSettings;
    /** Serve HTTPS with this certificate and key (PEM) once it listens. */
    https?: { cert: string; key: string };
  } = {},
): Promise<TestApp> {
  const database = opts.sameGroupAs?.database ?? (await openTestDatabase());
  const root = opts.sameGroupAs?.rootKey ?? generateRootKey();
  const keyring = createKeyring({ current: () => root, find: (id) => (id === root.id ? root : undefined) });
  const servers = createServersService({
    db: database.db,
    name: 'test-server',
    address: 'http://127.0.0.1:0',
    version: 'test',
    heartbeatMs: 1000,
    timeoutMs: 30_000,
  });
  const lines = opts.logLines;
  const logger = lines
    ? pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) })
    : undefined;
  const app = await buildApp({
    database,
    keyring,
    servers,
    logger,
    loginMaxFailures: opts.loginMaxFailures,
    notifyTimeZone: opts.notifyTimeZone,
    issuerUrl: opts.issuerUrl,
    now: opts.now,
    rs256Audiences: opts.rs256Audiences,
    legacyRunAsPolicy: opts.legacyRunAsPolicy,
    resolutionPollMs: opts.resolutionPollMs,
    consoleDir: opts.consoleDir ?? false,
    trustProxy: opts.trustProxy,
    ...(opts.https ? { https: opts.https } : {}),
    // Jobs call the built CLI (`npm test` builds it first).
    stewardCommand: {
      node: process.execPath,
      script: fileURLToPath(new URL('../../dist/index.js', import.meta.url)),
    },
  });
  await bootstrap(database);
  await servers.start();
  const passwordHash = await hashPassword(TEST_PASSWORD);
  let n = 0;
  const appTag = Math.random().toString(36).slice(2, 8);
  const request: TestApp['request'] = ({ method, url, token, body, headers }) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
  const tokenFor = async (role: Role) => {
    const username = opts.sameGroupAs ? `${role}-${appTag}-${++n}` : `${role}-${++n}`;
    await database.db.insert(users).values({
      id: `usr_test${opts.sameGroupAs ? appTag : ''}${n}${role.replace(/-/g, '')}`,
      username,
      displayName: username,
      role,
      passwordHash,
    });
    const res = await request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username, password: TEST_PASSWORD },
    });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`);
    return res.json().token as string;
  };
  const adminToken = await tokenFor('administrator');
  return {
    app,
    database,
    rootKey: root,
    tokenFor,
    adminToken,
    request,
    close: async () => {
      await servers.stop();
      await app.close();
      if (!opts.sameGroupAs) await database.close();
    },
  };
}
