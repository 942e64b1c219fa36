// Server configuration: one schema over the environment, parsed once at start, passed down.
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { isIanaTimeZone } from '../domain/notify/zoned-time.js';
import { defaultLegacyRunAsSettings, type LegacyRunAsSettings } from '../domain/policy/legacy-run-as.js';
import { policyEffects } from '../domain/policy/policy-definition.js';

const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().int().min(1).max(86_400);
/** A date (YYYY-MM-DD), taken as midnight UTC. */
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const base64Key = z
  .string()
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes encoded as base64');

export const serverEnvSchema = z
  .object({
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    STEWARD_DATA_DIR: z.string().min(1).default('./data'),
    STEWARD_HOST: z.string().min(1).default('127.0.0.1'),
    STEWARD_PORT: port.default(8420),
    /** Connections the kernel queues for accept (capped by net.core.somaxconn): a fleet reconnects at once. */
    STEWARD_LISTEN_BACKLOG: z.coerce.number().int().min(1).max(65535).default(4096),
    STEWARD_SERVER_NAME: z.string().min(1).max(200).default(hostname()),
    STEWARD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    STEWARD_ROOT_KEY: base64Key.optional(),
    STEWARD_PREVIOUS_ROOT_KEY: base64Key.optional(),
    STEWARD_HEARTBEAT_SECONDS: seconds.default(10),
    STEWARD_SERVER_TIMEOUT_SECONDS: seconds.default(30),
    STEWARD_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    STEWARD_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
    STEWARD_LOGIN_WINDOW_SECONDS: seconds.default(900),
    STEWARD_BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    STEWARD_BOOTSTRAP_PASSWORD_FILE: z.string().min(1).optional(),
    STEWARD_TRUST_PROXY: bool.default(false),
    STEWARD_EXPIRY_WARNING_DAYS: z.coerce.number().int().min(4).max(365).default(14),
    /** The effect and dates of the server's default assignment of "No new certificate Run As accounts". */
    STEWARD_RUNAS_POLICY_EFFECT: z.enum(policyEffects).default(defaultLegacyRunAsSettings.effect),
    STEWARD_RUNAS_CREATION_ENDS: day.default(defaultLegacyRunAsSettings.creationEndsOn),
    STEWARD_RUNAS_RENEWAL_ENDS: day.default(defaultLegacyRunAsSettings.renewalEndsOn),
    STEWARD_MISSED_HEARTBEAT_SECONDS: seconds.default(60),
    STEWARD_CREDENTIALS_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
    STEWARD_POOL_LEASE_SECONDS: z.coerce.number().int().min(3).max(300).default(15),
    STEWARD_TLS: z.enum(['auto', 'on', 'off']).default('auto'),
    STEWARD_NOTIFY_TIME_ZONE: z
      .string()
      .refine(isIanaTimeZone, 'must be an IANA time zone name such as Europe/Paris or America/New_York')
      .optional(),
    STEWARD_NOTIFY_MAX_AGE_HOURS: z.coerce.number().min(0.01).max(720).default(24),
    STEWARD_NOTIFY_PROBE_MAX_SECONDS: seconds.default(300),
    STEWARD_TLS_CERT_FILE: z.string().min(1).optional(),
    STEWARD_TLS_KEY_FILE: z.string().min(1).optional(),
    /** The `iss` of identity tokens and the base of the OIDC discovery document (no trailing slash kept). */
    STEWARD_ISSUER_URL: z
      .url({ protocol: /^https?$/ })
      .refine((u) => !/[?#]/.test(u), 'must have no query or fragment')
      .optional(),
    /** Audiences whose identity tokens are signed RS256 (verifiers that take RSA only), comma-separated. */
    STEWARD_TOKEN_RS256_AUDIENCES: z
      .string()
      .max(8192)
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean),
      ),
    /** Signing keys rotate when the newest of an algorithm is this many days old; 0: on demand only. */
    STEWARD_SIGNING_KEY_ROTATION_DAYS: z.coerce.number().min(0).max(3650).default(30),
  })
  .strict();

export type ServerEnv = z.infer<typeof serverEnvSchema>;

export interface ServerConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  /** STEWARD_LISTEN_BACKLOG: the accept queue's length asked of the kernel. */
  listenBacklog: number;
  serverName: string;
  logLevel: ServerEnv['STEWARD_LOG_LEVEL'];
  rootKey: string | undefined;
  previousRootKey: string | undefined;
  heartbeatMs: number;
  serverTimeoutMs: number;
  tokenTtlDays: number;
  loginMaxFailures: number;
  loginWindowMs: number;
  bodyLimitBytes: number;
  bootstrapPasswordFile: string | undefined;
  /** HTTPS with these PEM files, a self-signed certificate kept in the data directory, or plain HTTP. */
  /** IANA zone of the `…Local` notification fields; undefined: the server's own. */
  notifyTimeZone: string | undefined;
  /** A notification not sent this long after its alert change is given up. */
  notifyMaxAgeMs: number;
  /** The longest wait between probes of a paused notification channel. */
  notifyProbeMaxMs: number;
  tls: { kind: 'files'; certFile: string; keyFile: string } | { kind: 'self-signed' } | { kind: 'off' };
  trustProxy: boolean;
  expiryWarningDays: number;
  /** The server's default assignment of "No new certificate Run As accounts" (docs/migration.md). */
  legacyRunAsPolicy: LegacyRunAsSettings;
  /** An agent not heard from for this long is unavailable and has a heartbeat alert. */
  missedHeartbeatMs: number;
  /** R22: how long a workflow may stay unloaded for lack of its account before the alert. */
  credentialsGraceMs: number;
  /** A pool's work moves to another member at most this long after its server stops. */
  poolLeaseMs: number;
  /** STEWARD_ISSUER_URL: the identity tokens' issuer; undefined: the server's own URL. */
  issuerUrl: string | undefined;
  /** STEWARD_TOKEN_RS256_AUDIENCES. */
  rs256Audiences: string[];
  /** STEWARD_SIGNING_KEY_ROTATION_DAYS in ms; undefined: on demand only. */
  signingKeyRotationMs: number | undefined;
}

export class ConfigError extends Error {}

/** Variables that belong to the agent or the CLI: the server ignores them rather than refusing to start. */
const otherComponents = /^STEWARD_(AGENT_|CLI_|CONFIG_DIR$|URL$|TOKEN$)/;

export function loadServerConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const picked: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    if ((k.startsWith('STEWARD_') && !otherComponents.test(k)) || k === 'DATABASE_URL') picked[k] = v;
  }
  const parsed = serverEnvSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `${i.keys.join(', ')}: not a Steward setting (check the spelling)`
        : `${i.path.join('.')}: ${i.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if (Boolean(e.STEWARD_TLS_CERT_FILE) !== Boolean(e.STEWARD_TLS_KEY_FILE)) {
    throw new ConfigError(
      'Invalid configuration:\n  STEWARD_TLS_CERT_FILE, STEWARD_TLS_KEY_FILE: give both files, or neither',
    );
  }
  if (e.STEWARD_TLS === 'off' && e.STEWARD_TLS_CERT_FILE) {
    throw new ConfigError(
      'Invalid configuration:\n  STEWARD_TLS: is off, but STEWARD_TLS_CERT_FILE is set: remove one of them',
    );
  }
  if (e.STEWARD_SERVER_TIMEOUT_SECONDS <= e.STEWARD_HEARTBEAT_SECONDS) {
    throw new ConfigError(
      'Invalid configuration:\n  STEWARD_SERVER_TIMEOUT_SECONDS: must be greater than STEWARD_HEARTBEAT_SECONDS',
    );
  }
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.STEWARD_DATA_DIR),
    host: e.STEWARD_HOST,
    port: e.STEWARD_PORT,
    listenBacklog: e.STEWARD_LISTEN_BACKLOG,
    serverName: e.STEWARD_SERVER_NAME,
    logLevel: e.STEWARD_LOG_LEVEL,
    rootKey: e.STEWARD_ROOT_KEY,
    previousRootKey: e.STEWARD_PREVIOUS_ROOT_KEY,
    heartbeatMs: e.STEWARD_HEARTBEAT_SECONDS * 1000,
    serverTimeoutMs: e.STEWARD_SERVER_TIMEOUT_SECONDS * 1000,
    tokenTtlDays: e.STEWARD_TOKEN_TTL_DAYS,
    loginMaxFailures: e.STEWARD_LOGIN_MAX_FAILURES,
    loginWindowMs: e.STEWARD_LOGIN_WINDOW_SECONDS * 1000,
    bodyLimitBytes: e.STEWARD_BODY_LIMIT_BYTES,
    bootstrapPasswordFile: e.STEWARD_BOOTSTRAP_PASSWORD_FILE,
    trustProxy: e.STEWARD_TRUST_PROXY,
    expiryWarningDays: e.STEWARD_EXPIRY_WARNING_DAYS,
    legacyRunAsPolicy: {
      effect: e.STEWARD_RUNAS_POLICY_EFFECT,
      creationEndsOn: e.STEWARD_RUNAS_CREATION_ENDS,
      renewalEndsOn: e.STEWARD_RUNAS_RENEWAL_ENDS,
    },
    missedHeartbeatMs: e.STEWARD_MISSED_HEARTBEAT_SECONDS * 1000,
    credentialsGraceMs: e.STEWARD_CREDENTIALS_GRACE_SECONDS * 1000,
    poolLeaseMs: e.STEWARD_POOL_LEASE_SECONDS * 1000,
    notifyTimeZone: e.STEWARD_NOTIFY_TIME_ZONE,
    notifyMaxAgeMs: Math.round(e.STEWARD_NOTIFY_MAX_AGE_HOURS * 3_600_000),
    notifyProbeMaxMs: e.STEWARD_NOTIFY_PROBE_MAX_SECONDS * 1000,
    tls: tlsOf(e),
    issuerUrl: e.STEWARD_ISSUER_URL?.replace(/\/+$/, ''),
    rs256Audiences: e.STEWARD_TOKEN_RS256_AUDIENCES,
    signingKeyRotationMs: e.STEWARD_SIGNING_KEY_ROTATION_DAYS
      ? Math.round(e.STEWARD_SIGNING_KEY_ROTATION_DAYS * 86_400_000)
      : undefined,
  };
}

const isLoopback = (host: string) => host === 'localhost' || /^127\./.test(host) || host === '::1';

/** Loopback stays plain HTTP unless asked (so a first `npm start` just works); any other address speaks TLS. */
function tlsOf(e: ServerEnv): ServerConfig['tls'] {
  if (e.STEWARD_TLS_CERT_FILE && e.STEWARD_TLS_KEY_FILE)
    return {
      kind: 'files',
      certFile: resolve(e.STEWARD_TLS_CERT_FILE),
      keyFile: resolve(e.STEWARD_TLS_KEY_FILE),
    };
  if (e.STEWARD_TLS === 'on' || (e.STEWARD_TLS === 'auto' && !isLoopback(e.STEWARD_HOST)))
    return { kind: 'self-signed' };
  return { kind: 'off' };
}
