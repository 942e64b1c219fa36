// `steward agent --server URL …`: runs the agent daemon on this computer (settings from options or STEWARD_AGENT_*).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_METADATA_PORT } from '../../agent/metadata-endpoint.js';
import { isFingerprint, normalizeFingerprint } from '../../crypto/certificate-fingerprint.js';
import type { ServerTrust } from '../../crypto/tls-trust.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { agentGroup } from './agent-group.js';

/** The `agent` command group: shared with other `steward agent …` commands, whichever registers first. */
const collect = (value: string, previous: string[] = []) => [...previous, value];

export interface AgentRunSettings {
  servers: string[];
  token?: string;
  /** How the agent trusts HTTPS servers: given now, or as remembered in the data directory. */
  trust: ServerTrust;
  dataDir: string;
  computerName: string;
  logLevel: string;
  /** The metadata endpoint's loopback port; undefined: off. */
  metadataPort?: number;
}

/** Options first, then STEWARD_AGENT_SERVERS (comma-separated), _TOKEN, _DATA_DIR, _NAME, _LOG_LEVEL. */
export function agentRunSettings(
  opts: {
    server?: string[];
    token?: string;
    dataDir?: string;
    name?: string;
    caFingerprint?: string[];
    caFile?: string;
    metadataPort?: string;
  },
  env: NodeJS.ProcessEnv,
): AgentRunSettings {
  const portText = opts.metadataPort ?? env.STEWARD_AGENT_METADATA_PORT ?? String(DEFAULT_METADATA_PORT);
  const port = Number(portText);
  if (portText !== 'off' && !(/^\d{1,5}$/.test(portText) && port <= 65535))
    throw new CliError(
      `--metadata-port: '${portText.slice(0, 20)}' is not a port (0-65535) or 'off'.`,
      2,
      'VALIDATION_FAILED',
    );
  const servers = (
    opts.server?.length ? opts.server : (env.STEWARD_AGENT_SERVERS ?? '').split(',').map((s) => s.trim())
  ).filter(Boolean);
  if (servers.length === 0)
    throw new CliError('Give the server: --server URL (or STEWARD_AGENT_SERVERS).', 2, 'VALIDATION_FAILED');
  for (const s of servers) {
    let url: URL | undefined;
    try {
      url = new URL(s);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new CliError(`--server: '${s}' is not an http(s) URL.`, 2, 'VALIDATION_FAILED');
  }
  const token = opts.token ?? env.STEWARD_AGENT_TOKEN;
  const dataDir = resolve(opts.dataDir ?? env.STEWARD_AGENT_DATA_DIR ?? 'agent-data');
  const fingerprints = opts.caFingerprint?.length
    ? opts.caFingerprint
    : (env.STEWARD_AGENT_CA_FINGERPRINTS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  for (const f of fingerprints)
    if (!isFingerprint(f))
      throw new CliError(
        `--ca-fingerprint: '${f}' is not a SHA-256 fingerprint (64 hexadecimal digits, colons allowed).`,
        2,
        'VALIDATION_FAILED',
      );
  const caFile = opts.caFile ?? env.STEWARD_AGENT_CA_FILE;
  if (caFile && !existsSync(caFile))
    throw new CliError(`--ca-file: ${caFile} does not exist.`, 2, 'VALIDATION_FAILED');
  const given: ServerTrust = {
    ...(fingerprints.length ? { fingerprints: fingerprints.map(normalizeFingerprint) } : {}),
    ...(caFile ? { caFile: resolve(caFile) } : {}),
  };
  return {
    servers,
    ...(token ? { token } : {}),
    trust: rememberTrust(dataDir, given),
    dataDir,
    computerName: opts.name ?? env.STEWARD_AGENT_NAME ?? hostname(),
    logLevel: env.STEWARD_AGENT_LOG_LEVEL ?? 'info',
    ...(portText === 'off' ? {} : { metadataPort: port }),
  };
}

/**
 * The trust given now is remembered in the data directory (mode 0600), so a restarted agent keeps its pin;
 * without any given, the remembered one applies.
 */
function rememberTrust(dataDir: string, given: ServerTrust): ServerTrust {
  const file = join(dataDir, 'server-trust.json');
  if (given.fingerprints || given.caFile) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify(given, null, 2)}\n`, { mode: 0o600 });
    return given;
  }
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ServerTrust;
  } catch (err) {
    throw new CliError(
      `${file}: cannot be read (${(err as Error).message}); give --ca-fingerprint again.`,
      2,
    );
  }
}

export function registerAgentRunCommand(program: Command, ctx: CliContext): void {
  agentGroup(program)
    .option('--server <url>', 'a Steward server; repeat for failover, in order of preference', collect)
    .option('--token <token>', 'single-use enrollment token (safer: STEWARD_AGENT_TOKEN)')
    .option('--data-dir <dir>', 'where the agent keeps its keys and id (default ./agent-data)')
    .option('--name <computer>', 'the computer name to enroll as (default: this host name)')
    .option(
      '--ca-fingerprint <sha256>',
      "pin the HTTPS server's certificate by its SHA-256 fingerprint (printed with the enrollment token); repeat for several servers",
      collect,
    )
    .option(
      '--ca-file <pem>',
      'trust the HTTPS servers whose certificates this CA (or certificate) file vouches for',
    )
    .option(
      '--metadata-port <port>',
      `loopback port of the metadata endpoint that serves this computer's identity tokens (default ${DEFAULT_METADATA_PORT}; 'off' to serve none)`,
    )
    .addHelpText(
      'after',
      `
Without a sub-command, runs the agent on this computer: it enrolls (with the token, or waiting for
an administrator's approval), follows its configuration, and runs its workflows with the credentials
distributed to it — kept in memory only. Logs are JSON lines on stderr. SIGTERM or SIGINT stop it.
Settings may come from STEWARD_AGENT_SERVERS (comma-separated), STEWARD_AGENT_TOKEN,
STEWARD_AGENT_DATA_DIR, STEWARD_AGENT_NAME, STEWARD_AGENT_LOG_LEVEL, STEWARD_AGENT_CA_FINGERPRINTS
(comma-separated), STEWARD_AGENT_CA_FILE and STEWARD_AGENT_METADATA_PORT.

Processes on this computer get tokens of the computer's own identity, once an administrator turned it on
(steward agent identity set), Azure's IMDS way: GET http://127.0.0.1:${DEFAULT_METADATA_PORT}/metadata/identity/oauth2/token
?api-version=2018-02-01&resource=R with the header "Metadata: true". Azure's SDKs find it with
AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:${DEFAULT_METADATA_PORT}. Over HTTPS, a server whose certificate does not match the
pinned fingerprint is refused before anything is sent to it; the pin (or CA file) is remembered in the
data directory, so later starts need not repeat it.

Examples:
  STEWARD_AGENT_TOKEN=stw_enroll_… steward agent --server https://steward1:8443 --server https://steward2:8443
  steward agent --server http://127.0.0.1:8080 --data-dir /var/lib/steward-agent`,
    )
    .action(async (opts: Parameters<typeof agentRunSettings>[0]) => {
      const settings = agentRunSettings(opts, ctx.env);
      // Loaded here: other commands start faster without the daemon's modules.
      const [{ default: pino }, { createAgentDaemon }, { trustingFetch }] = await Promise.all([
        import('pino'),
        import('../../agent/agent-daemon.js'),
        import('../../crypto/tls-trust.js'),
      ]);
      const logger = pino({ level: settings.logLevel, base: { name: 'steward-agent' } }, pino.destination(2));
      const daemon = createAgentDaemon({
        servers: settings.servers,
        dataDir: settings.dataDir,
        computerName: settings.computerName,
        enrollmentToken: settings.token,
        fetch: trustingFetch(settings.trust),
        serverTrust: settings.trust,
        logger,
        // Hybrid jobs call this same program for `steward asset get`.
        stewardCommand: { node: process.execPath, script: process.argv[1] ?? '' },
        metadataPort: settings.metadataPort,
      });
      const stop = () => void daemon.stop();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        await daemon.run();
        await daemon.stop();
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        logger.flush();
      }
    });
}
