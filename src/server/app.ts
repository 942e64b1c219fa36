// Builds the Fastify application from its dependencies; never listens or exits, so tests build it directly.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { newId } from '../contract/ids.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Sealing } from '../crypto/sealing-thread.js';
import type { LegacyRunAsSettings } from '../domain/policy/legacy-run-as.js';
import type { Permission } from '../domain/roles.js';
import { channelDrivers } from '../notify/channel-drivers.js';
import type { Database } from '../store/db.js';
import { registerAuth } from './auth.js';
import { registerConsole } from './console-static.js';
import { answerFrameworkError, registerErrorHandling } from './errors.js';
import { endLongPollsOnClose } from './long-poll.js';
import { registerAccounts } from './modules/accounts/accounts-routes.js';
import { createAccountsService } from './modules/accounts/accounts-service.js';
import { registerAssociations } from './modules/accounts/associations-routes.js';
import { createAssociationsService } from './modules/accounts/associations-service.js';
import { CREDENTIALS_ROUTE, registerAgents } from './modules/agents/agents-routes.js';
import { createAgentsService } from './modules/agents/agents-service.js';
import { createEnrollmentTokens } from './modules/agents/enrollment-tokens.js';
import { registerAlerts } from './modules/alerts/alerts-routes.js';
import { createAlertsService } from './modules/alerts/alerts-service.js';
import { useAuditChainKeys } from './modules/audit/audit-repo.js';
import { registerAudit } from './modules/audit/audit-routes.js';
import { registerAutomation } from './modules/automation/automation-module.js';
import { createCloudJobs } from './modules/automation/cloud-jobs.js';
import { hideWebhookToken } from './modules/automation/webhooks-routes.js';
import { registerHealth } from './modules/health/health-routes.js';
import { registerAgentTokens } from './modules/identity/agent-token-routes.js';
import { createComputerIdentityService } from './modules/identity/computer-identity-service.js';
import { tenantId } from './modules/identity/identity-repo.js';
import { createIdentityTokenAuth } from './modules/identity/identity-token-auth.js';
import { registerOidc } from './modules/identity/oidc-routes.js';
import { createTokenService, IDENTITY_ROUTES, type TokenService } from './modules/identity/token-service.js';
import { CLASS_ROUTES, createClassTreeCache } from './modules/inventory/class-tree-cache.js';
import { registerInventory } from './modules/inventory/inventory-routes.js';
import { createInventoryService } from './modules/inventory/inventory-service.js';
import { createObjectCache } from './modules/inventory/object-cache.js';
import { createNotifier } from './modules/notify/notifier.js';
import { createNotifyConfigService } from './modules/notify/notify-config-service.js';
import { registerNotify } from './modules/notify/notify-routes.js';
import { registerResend } from './modules/notify/resend-routes.js';
import { createResendService } from './modules/notify/resend-service.js';
import { registerPacks } from './modules/packs/packs-routes.js';
import { createPacksService } from './modules/packs/packs-service.js';
import { registerProfiles } from './modules/packs/profiles-routes.js';
import { createProfilesService } from './modules/packs/profiles-service.js';
import { createPolicyEnforcer } from './modules/policy/policy-enforcer.js';
import { registerPolicyModule } from './modules/policy/policy-module.js';
import { createFindingsService } from './modules/resolution/findings-service.js';
import { registerResolution } from './modules/resolution/resolution-routes.js';
import { createResolutionService, type ResolutionService } from './modules/resolution/resolution-service.js';
import { registerAccountChecks } from './modules/results/account-checks-routes.js';
import { createAccountChecksService } from './modules/results/account-checks-service.js';
import { registerResults } from './modules/results/results-routes.js';
import { createResultsService } from './modules/results/results-service.js';
import { createRunEffects } from './modules/results/run-effects.js';
import { createResourceScopes, type ResourceScopes } from './modules/roles/resource-scopes.js';
import { registerRoleAssignments } from './modules/roles/role-assignments-routes.js';
import { createRoleAssignmentsService } from './modules/roles/role-assignments-service.js';
import { registerRunAsModule } from './modules/runas/runas-module.js';
import { createPoolCredentials } from './modules/runtime/pool-credentials.js';
import { createPoolRunner } from './modules/runtime/pool-runner.js';
import {
  createServerAccountChecks,
  resolveAlertsOfFormerAccounts,
} from './modules/runtime/server-account-checks.js';
import { createServerRuntime, type ServerRuntime } from './modules/runtime/server-runtime.js';
import { registerServers } from './modules/servers/servers-routes.js';
import type { ServersService } from './modules/servers/servers-service.js';
import { registerTasks } from './modules/tasks/tasks-routes.js';
import { createTasksService } from './modules/tasks/tasks-service.js';
import { createLoginThrottle, keyedNameHash } from './modules/users/login-throttle.js';
import { registerSessions } from './modules/users/session-routes.js';
import { createTokenCache, TOKEN_ROUTES } from './modules/users/token-cache.js';
import { registerUsers } from './modules/users/users-routes.js';
import { createUsersService } from './modules/users/users-service.js';
import { parseQueryString, registerTextGuard } from './text-guard.js';

export const STEWARD_VERSION = '0.1.0';

export interface AppDeps {
  database: Database;
  keyring: Keyring;
  servers: ServersService;
  logger?: FastifyBaseLogger | false;
  bodyLimitBytes?: number;
  /** HTTPS with this certificate and key (and HSTS on every answer); plain HTTP without. */
  https?: { cert: string; key: string };
  /** SHA-256 of the certificate now served, printed with enrollment tokens for agents to pin. */
  tlsFingerprint?: () => string;
  tokenTtlDays?: number;
  loginMaxFailures?: number;
  loginWindowMs?: number;
  trustProxy?: boolean;
  /** Expiry warning window for accounts and certificates (critical under 3 days). */
  expiryWarningDays?: number;
  /** The default assignment of "No new certificate Run As accounts" (default: Audit with Azure's dates). */
  legacyRunAsPolicy?: LegacyRunAsSettings;
  serverTimeoutMs?: number;
  /** How often to pick up changes other servers made; 0 for never (one server, or tests). */
  resolutionPollMs?: number;
  /** Start the background work (pool leases, health watchers, pool-hosted workflows) when the app is ready. */
  background?: boolean;
  poolLeaseMs?: number;
  credentialsGraceMs?: number;
  missedHeartbeatMs?: number;
  /** Where credentials for agents are sealed (the server's sealing thread); default the main thread. */
  sealing?: Sealing;
  /** Base URL of the web console, for links in notifications. */
  webConsoleUrl?: string;
  /** IANA zone of the `…Local` notification fields; default the server's own. */
  notifyTimeZone?: string;
  /** A notification not sent this long after its alert change is given up; default 24 h. */
  notifyMaxAgeMs?: number;
  /** How a job calls `steward` (`steward asset get …`): node and the entry script; none: it cannot. */
  stewardCommand?: { node: string; script: string };
  /** A hybrid job whose agent posted nothing for this long is suspended; default 60 s. */
  hybridJobLostMs?: number;
  /** The longest wait between probes of a paused notification channel; default 5 min. */
  notifyProbeMaxMs?: number;
  /**
   * The `iss` of identity tokens (STEWARD_ISSUER_URL); a function when known only once listening (tests).
   * Unset: discovery answers with the caller's scheme and host, and job tokens carry `webConsoleUrl`.
   */
  issuerUrl?: string | (() => string | undefined);
  /**
   * The URL a job's `steward` command reaches this server's API at (STEWARD_URL in the job); a function when
   * known only once listening (tests). Unset: jobs get no STEWARD_URL.
   */
  apiUrl?: string | (() => string | undefined);
  /** Audiences whose identity tokens are signed RS256 (STEWARD_TOKEN_RS256_AUDIENCES). */
  rs256Audiences?: readonly string[];
  /** Scheduled signing-key rotation (STEWARD_SIGNING_KEY_ROTATION_DAYS); undefined: on demand only. */
  signingKeyRotationMs?: number;
  /** The built web console to serve at `/` (default dist/console); false for none. */
  consoleDir?: string | false;
  now?: () => Date;
}

/** One route's authorization, recorded as routes are added: the authorization tests walk this list. */
export interface RoutePolicy {
  method: string;
  url: string;
  permission: Permission | undefined;
  authenticated: boolean;
  /** Authenticated by an agent's signed assertion rather than a user's token. */
  agent: boolean;
  /** Identity tokens may call it, with the rights of their role assignments at the resource's scope. */
  identityScoped: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routePolicies: RoutePolicy[];
    resolution: ResolutionService;
    runtime: ServerRuntime;
    /** The automation services, for the background work and for tests that drive it. */
    automation: ReturnType<typeof registerAutomation>;
    /** Scope paths of the resources routes touch, for identity tokens' role assignments. */
    scopes: ResourceScopes;
    /** The token service, for the background work and for tests that mint identity tokens. */
    tokens: TokenService;
  }
}

/**
 * The logger with Fastify's request serializer, but the token of a webhook call (its credential, part of the
 * path) hidden: request lines never carry it.
 */
function withoutWebhookTokens(logger: FastifyBaseLogger): FastifyBaseLogger {
  return logger.child(
    {},
    {
      serializers: {
        req: (req: FastifyRequest) => ({
          method: req.method,
          url: hideWebhookToken(req.url),
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
    },
  );
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: withoutWebhookTokens(deps.logger) } : { logger: false }),
    bodyLimit: deps.bodyLimitBytes ?? 4 * 1024 * 1024,
    trustProxy: deps.trustProxy ?? false,
    genReqId: () => newId('request'),
    routerOptions: { querystringParser: parseQueryString },
    frameworkErrors: answerFrameworkError,
    ...(deps.https ? { https: deps.https } : {}),
  }) as unknown as FastifyInstance;
  if (deps.https) {
    app.addHook('onSend', async (_req, reply, payload) => {
      reply.header('strict-transport-security', 'max-age=31536000');
      return payload;
    });
  }
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  registerTextGuard(app);
  endLongPollsOnClose(app);
  useAuditChainKeys(deps.keyring);

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const requests = new Counter({
    name: 'steward_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [metrics],
  });
  const latency = new Histogram({
    name: 'steward_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics],
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  app.decorate('routePolicies', [] as RoutePolicy[]);
  app.addHook('onRoute', (route) => {
    const handlers = [route.onRequest, route.preHandler].flat().filter(Boolean) as {
      permission?: Permission;
      authenticates?: boolean;
      agent?: boolean;
      identityScoped?: boolean;
    }[];
    const auth = handlers.find((h) => h.authenticates);
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      app.routePolicies.push({
        method,
        url: route.url,
        permission: auth?.permission,
        authenticated: Boolean(auth),
        agent: Boolean(auth?.agent),
        identityScoped: Boolean(auth?.identityScoped),
      });
    }
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Steward API',
        version: STEWARD_VERSION,
        description: 'Run As accounts, profiles, distribution and resolution.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const db = deps.database.db;
  const nameKey = deps.keyring.derive('audit-user-name');
  const users = createUsersService({
    db: deps.database.db,
    throttle: createLoginThrottle({
      db: deps.database.db,
      maxFailures: deps.loginMaxFailures ?? 5,
      windowMs: deps.loginWindowMs ?? 900_000,
      nameKey,
      now: deps.now,
    }),
    unknownNameHash: (typed) => keyedNameHash(nameKey, typed),
    tokenTtlDays: deps.tokenTtlDays ?? 30,
    now: deps.now,
  });
  const issuerUrl = () => (typeof deps.issuerUrl === 'function' ? deps.issuerUrl() : deps.issuerUrl);
  const tokenIssuer = () => (issuerUrl() ?? deps.webConsoleUrl ?? 'http://127.0.0.1').replace(/\/+$/, '');
  // The token service is made further down; requests (the only callers of jwks) come once the app is built.
  const identityAuth = createIdentityTokenAuth({
    db,
    jwks: () => tokens.jwks(),
    issuer: tokenIssuer,
    now: deps.now,
  });
  // Bearer tokens are answered from memory that follows the change feed (attached below).
  const tokenCache = createTokenCache({ authenticate: users.authenticate });
  const cachedUsers = { ...users, authenticate: tokenCache.authenticate };
  const csrfKey = deps.keyring.derive('console-csrf');
  registerAuth(app, cachedUsers, identityAuth, csrfKey);
  registerSessions(app, cachedUsers, csrfKey);
  app.decorate('scopes', createResourceScopes(db));
  registerHealth(app, { database: deps.database, metrics });
  registerUsers(app, users);
  registerAudit(app, deps.database.db);
  const classTree = createClassTreeCache(deps.database.db);
  const objectCache = createObjectCache(deps.database.db, { settled: () => resolution.latest() });
  registerInventory(
    app,
    createInventoryService({
      db: deps.database.db,
      servers: deps.servers,
      classTree,
      objectCache,
      // PGlite has one connection: a second batch would only wait for it.
      objectWriters: deps.database.kind === 'postgres' ? 2 : 1,
    }),
  );
  registerPacks(app, createPacksService({ db: deps.database.db, now: deps.now }));
  registerProfiles(app, createProfilesService({ db: deps.database.db }));

  const resolution = createResolutionService({
    db,
    serverTimeoutMs: deps.serverTimeoutMs ?? 30_000,
    pollMs: deps.resolutionPollMs,
    listen: deps.database.listen
      ? (onNotice) =>
          deps.database.listen!('steward_changes', onNotice, (err) =>
            app.log.warn(
              { err },
              'change notices interrupted: following changes by the poll until they resume',
            ),
          )
      : undefined,
    onError: (err) => app.log.error({ err }, 'resolution catch-up failed'),
    now: deps.now,
  });
  app.decorate('resolution', resolution);
  tokenCache.follow(resolution);
  classTree.follow(resolution);
  objectCache.follow(resolution);
  // Every committed change is in the audit log; after a write, resolution catches up at once — started
  // before the answer leaves, so the caller's next request waits for it (`latest()`).
  app.addHook('onSend', async (req, reply, payload) => {
    const route = req.routeOptions.url ?? '';
    if (req.method !== 'GET' && reply.statusCode < 400 && route !== CREDENTIALS_ROUTE) {
      void resolution.catchUp();
      // Caches that requests read without waiting for the catch-up forget what this write may have changed.
      if (TOKEN_ROUTES.test(route)) tokenCache.forgetAll();
      if (CLASS_ROUTES.test(route)) classTree.forget();
      if (IDENTITY_ROUTES.test(route)) tokens.forgetIdentities();
    }
    return payload;
  });
  app.addHook('onReady', async () => resolution.start());
  app.addHook('onClose', async () => resolution.stop());
  const accounts = createAccountsService({ db, keyring: deps.keyring, changes: resolution });
  registerAccounts(app, accounts);
  const agents = createAgentsService({
    db,
    accounts,
    resolution,
    missedHeartbeatMs: deps.missedHeartbeatMs,
    sealing: deps.sealing,
    now: deps.now,
  });
  registerAgents(app, agents, {
    tlsFingerprint: deps.tlsFingerprint,
    enrollmentTokens: createEnrollmentTokens({ db, now: deps.now }),
  });
  const alerts = createAlertsService({ db, now: deps.now });
  const effects = createRunEffects({ db, alerts, now: deps.now });
  const results = createResultsService({ db, resolution, effects, now: deps.now });
  registerResults(app, results, effects);
  registerAccountChecks(app, createAccountChecksService({ db, alerts, resolution }));
  const tasks = createTasksService({
    db,
    resolution,
    now: deps.now,
    onError: (err) => app.log.error({ err }, 'task run poll failed'),
  });
  registerTasks(app, tasks);
  registerAssociations(app, createAssociationsService({ db }));
  registerAlerts(app, alerts);
  const poolCredentials = createPoolCredentials({ db, serverId: deps.servers.id, accounts, resolution });
  registerNotify(app, createNotifyConfigService({ db, drivers: channelDrivers, resolution }));
  registerResend(app, createResendService({ db, now: deps.now }));
  const notifier = createNotifier({
    db,
    serverId: deps.servers.id,
    serverName: deps.servers.name,
    alerts,
    resolution,
    credentials: poolCredentials,
    drivers: channelDrivers,
    liveServers: async () => (await deps.servers.listLive()).map((s) => s.id),
    webConsoleUrl: deps.webConsoleUrl,
    timeZone: deps.notifyTimeZone,
    maxAgeMs: deps.notifyMaxAgeMs,
    probeMaxMs: deps.notifyProbeMaxMs,
    now: deps.now,
    metrics,
    log: app.log,
  });
  const policy = createPolicyEnforcer({ legacyRunAs: deps.legacyRunAsPolicy });
  const automation = registerAutomation(app, {
    db,
    policy,
    keyring: deps.keyring,
    agents,
    missedHeartbeatMs: deps.missedHeartbeatMs,
    hybridJobLostMs: deps.hybridJobLostMs,
    now: deps.now,
  });
  const computers = createComputerIdentityService({ db });
  const tokens = createTokenService({
    db,
    keyring: deps.keyring,
    issuer: tokenIssuer,
    rs256Audiences: deps.rs256Audiences,
    rotationIntervalMs: deps.signingKeyRotationMs,
    computerIdentity: (agentId, tenantId) => computers.resolve(agentId, tenantId),
    now: deps.now,
  });
  app.addHook('onClose', async () => tokens.flushAudit());
  tokens.follow(resolution);
  app.decorate('tokens', tokens);
  registerRoleAssignments(app, createRoleAssignmentsService({ db, identities: identityAuth }));
  registerOidc(app, { tokens, issuerUrl, tenantId: () => tenantId(db) });
  registerAgentTokens(app, { tokens, hybrid: automation.hybrid, computers });
  const legacyRunAs = registerRunAsModule(app, {
    db,
    assets: automation.assets,
    accounts: automation.accounts,
    runbooks: automation.runbooks,
    jobs: automation.jobs,
    tokens,
    issuerUrl,
    alerts,
    warningDays: deps.expiryWarningDays ?? 14,
    policy,
    now: deps.now,
  });
  registerPolicyModule(app, { db, enforcer: policy, identities: identityAuth, now: deps.now });
  const cloudJobs = createCloudJobs({
    db,
    serverId: deps.servers.id,
    jobs: automation.jobs,
    assets: automation.assets,
    tokens,
    stewardCommand: deps.stewardCommand,
    // Unset (an app built without a listening address of its own): the issuer URL, when it is this server.
    apiUrl: () => (typeof deps.apiUrl === 'function' ? deps.apiUrl() : deps.apiUrl) ?? issuerUrl(),
    // A job's server holds the Automation Pool; one that has not proved it within a lease has lost it.
    staleMs: Math.max(deps.poolLeaseMs ?? 15_000, 6_000),
    now: deps.now,
    log: app.log,
  });
  automation.jobs.onQueued(() => cloudJobs.kick());
  const runtime = createServerRuntime({
    db,
    serverId: deps.servers.id,
    alerts,
    resolution,
    poolLeaseMs: deps.poolLeaseMs,
    credentialsGraceMs: deps.credentialsGraceMs,
    missedHeartbeatMs: deps.missedHeartbeatMs,
    now: deps.now,
    onError: (err, what) => app.log.error({ err }, `${what} failed`),
    notifier,
    schedules: automation.schedules,
    hybridJobs: automation.hybrid,
    cloudJobs,
    signingKeys: tokens,
    certificateExpiry: legacyRunAs.certificateExpiry,
    serverAccountChecks: createServerAccountChecks({
      db,
      serverId: deps.servers.id,
      alerts,
      resolution,
      accounts,
      warningDays: deps.expiryWarningDays ?? 14,
      now: deps.now,
    }),
    poolRunner: createPoolRunner({
      actor: `server:${deps.servers.id}`,
      resolution,
      tasks,
      results,
      credentials: poolCredentials,
      server: { id: deps.servers.id, actionAccount: deps.servers.ownActionAccount },
      log: app.log,
    }),
  });
  app.decorate('runtime', runtime);
  registerServers(app, deps.servers, {
    async actionAccountChanged(actor, serverId, accountId) {
      await resolveAlertsOfFormerAccounts({ db, alerts }, actor, serverId, accountId);
      // This server checks its new account at once; another server does at its next sweep.
      if (serverId === deps.servers.id)
        await runtime
          .checkServerAccount()
          .catch((err) => app.log.error({ err }, 'server action account checks failed'));
    },
  });
  app.decorate('automation', automation);
  if (deps.background) {
    app.addHook('onReady', async () => runtime.start());
    app.addHook('preClose', async () => runtime.stop());
  }
  registerResolution(app, {
    resolution,
    findings: createFindingsService({
      db,
      resolution,
      warningDays: deps.expiryWarningDays ?? 14,
      more: () => legacyRunAs.certificateExpiry.findings(),
      now: deps.now,
    }),
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (deps.consoleDir !== false) registerConsole(app, deps.consoleDir);
  return app;
}

export type { Permission };
