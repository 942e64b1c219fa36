// `steward server`: reads config, opens and migrates the database, bootstraps, listens, and stops cleanly.
import { mkdirSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import { createSealingThread } from '../crypto/sealing-thread.js';
import { redactDbError } from '../store/db-errors.js';
import { buildApp, STEWARD_VERSION } from './app.js';
import { bootstrap } from './bootstrap.js';
import { loadServerConfig } from './config.js';
import { createServersService } from './modules/servers/servers-service.js';
import { openStorage } from './open-storage.js';
import { loadServerTls, type TlsPair } from './server-tls.js';

/** How long a stop waits for requests and background work to end, and then for the database to close. */
const DRAIN_MS = 10_000;
const DATABASE_CLOSE_MS = 60_000;

/** The host a job on this server reaches its API at: loopback when it listens on every address. */
const jobApiHost = (host: string) =>
  ['0.0.0.0', '::'].includes(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

export async function runServer(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadServerConfig(env);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const logger = pino({
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', '*.password', '*.token'], censor: '[redacted]' },
    // A failed query's parameters must never reach a log line.
    serializers: { err: (err: Error) => pino.stdSerializers.err(redactDbError(err) as Error) },
  });
  const storage = await openStorage(config);
  const { database, keyring } = storage;
  if (storage.fileKeys?.created)
    logger.info({ dataDir: config.dataDir }, 'created a new root key file (mode 0600): back it up');
  if (storage.migrations.length) logger.info({ applied: storage.migrations }, 'database migrated');

  const tls = await loadServerTls(config);
  const scheme = tls ? 'https' : 'http';
  const servers = createServersService({
    db: database.db,
    name: config.serverName,
    address: `${scheme}://${config.host}:${config.port}`,
    version: STEWARD_VERSION,
    heartbeatMs: config.heartbeatMs,
    timeoutMs: config.serverTimeoutMs,
    onError: (err) => logger.warn({ err }, 'heartbeat failed'),
  });

  // Credentials for agents are sealed on a thread of their own, beside the requests of the main thread.
  const sealing = createSealingThread();
  const app = await buildApp({
    sealing,
    database,
    keyring,
    servers,
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    tokenTtlDays: config.tokenTtlDays,
    loginMaxFailures: config.loginMaxFailures,
    loginWindowMs: config.loginWindowMs,
    trustProxy: config.trustProxy,
    expiryWarningDays: config.expiryWarningDays,
    legacyRunAsPolicy: config.legacyRunAsPolicy,
    serverTimeoutMs: config.serverTimeoutMs,
    resolutionPollMs: 1000,
    background: true,
    poolLeaseMs: config.poolLeaseMs,
    credentialsGraceMs: config.credentialsGraceMs,
    missedHeartbeatMs: config.missedHeartbeatMs,
    webConsoleUrl: `${scheme}://${config.host}:${config.port}`,
    notifyTimeZone: config.notifyTimeZone,
    notifyMaxAgeMs: config.notifyMaxAgeMs,
    stewardCommand: { node: process.execPath, script: process.argv[1] ?? '' },
    notifyProbeMaxMs: config.notifyProbeMaxMs,
    issuerUrl: config.issuerUrl,
    // Jobs on this server reach its API on loopback when it listens on every address.
    apiUrl: `${scheme}://${jobApiHost(config.host)}:${config.port}`,
    rs256Audiences: config.rs256Audiences,
    signingKeyRotationMs: config.signingKeyRotationMs,
    ...(tls ? { https: tls.current(), tlsFingerprint: () => tls.fingerprint() } : {}),
  });
  const unwatch = tls?.watch(
    (pair) => {
      (app.server as unknown as { setSecureContext(p: TlsPair): void }).setSecureContext(pair);
      logger.info({ certificateSha256: tls.fingerprint() }, 'TLS certificate reloaded');
    },
    (err) =>
      logger.warn({ err: { message: err.message } }, 'new TLS certificate files not used: keeping the old'),
  );
  const admin = await bootstrap(database);
  if (admin) {
    // Printed once, to the terminal only, never through the logger: it is a secret.
    const text =
      `\nSteward created the administrator '${admin.username}'.\n` +
      `One-time password: ${admin.password}\n` +
      'Sign in with `steward login`; you will be asked to choose a new password.\n\n';
    if (config.bootstrapPasswordFile)
      writeFileSync(config.bootstrapPasswordFile, `${admin.password}\n`, { mode: 0o600 });
    else process.stdout.write(text);
  }

  // Registered (its row and its ManagementServer object) before it answers: ready means a member of the group.
  await servers.start();
  try {
    await app.listen({ host: config.host, port: config.port, backlog: config.listenBacklog });
  } catch (err) {
    await servers.stop();
    throw err;
  }
  logger.info(
    {
      serverId: servers.id,
      url: `${scheme}://${config.host}:${config.port}`,
      database: database.kind,
      ...(tls ? { certificateSha256: tls.fingerprint() } : {}),
    },
    'steward server ready',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    // Requests and background work get DRAIN_MS to end. The database is closed in any case, and waited for:
    // cutting off the embedded database mid-checkpoint leaves it to recover on the next start.
    const force = setTimeout(() => process.exit(1), DRAIN_MS + DATABASE_CLOSE_MS);
    force.unref();
    let code = 0;
    const ms: Record<string, number> = {};
    const timed = async (step: string, run: () => Promise<unknown>) => {
      const started = performance.now();
      await run();
      ms[step] = Math.round(performance.now() - started);
    };
    try {
      unwatch?.();
      const drained = (async () => {
        await timed('deregister', () => servers.stop());
        await timed('drain', () => app.close());
        await sealing.close();
      })().then(
        () => true,
        (err) => logger.error({ err }, 'stopping: the server did not close cleanly'),
      );
      let late: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        drained,
        new Promise<false>((resolve) => {
          late = setTimeout(() => resolve(false), DRAIN_MS);
        }),
      ]);
      clearTimeout(late);
      if (inTime === false)
        logger.warn(
          { ms, limitMs: DRAIN_MS },
          'stopping: requests or background work still running; closing the database',
        );
      await timed('database', () => database.close());
      logger.info({ ms }, 'stopped');
    } catch (err) {
      logger.error({ err }, 'stopping: the database did not close cleanly');
      code = 1;
    } finally {
      process.exit(code);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
