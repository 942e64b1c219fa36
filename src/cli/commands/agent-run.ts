// `steward agent --server URL …`: runs the agent daemon on this computer (settings from options or STEWARD_AGENT_*).
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { agentGroup } from './agent-group.js';

/** The `agent` command group: shared with other `steward agent …` commands, whichever registers first. */
const collect = (value: string, previous: string[] = []) => [...previous, value];

export interface AgentRunSettings {
  servers: string[];
  token?: string;
  dataDir: string;
  computerName: string;
  logLevel: string;
}

/** Options first, then STEWARD_AGENT_SERVERS (comma-separated), _TOKEN, _DATA_DIR, _NAME, _LOG_LEVEL. */
export function agentRunSettings(
  opts: { server?: string[]; token?: string; dataDir?: string; name?: string },
  env: NodeJS.ProcessEnv,
): AgentRunSettings {
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
  return {
    servers,
    ...(token ? { token } : {}),
    dataDir: resolve(opts.dataDir ?? env.STEWARD_AGENT_DATA_DIR ?? 'agent-data'),
    computerName: opts.name ?? env.STEWARD_AGENT_NAME ?? hostname(),
    logLevel: env.STEWARD_AGENT_LOG_LEVEL ?? 'info',
  };
}

export function registerAgentRunCommand(program: Command, ctx: CliContext): void {
  agentGroup(program)
    .option('--server <url>', 'a Steward server; repeat for failover, in order of preference', collect)
    .option('--token <token>', 'single-use enrollment token (safer: STEWARD_AGENT_TOKEN)')
    .option('--data-dir <dir>', 'where the agent keeps its keys and id (default ./agent-data)')
    .option('--name <computer>', 'the computer name to enroll as (default: this host name)')
    .addHelpText(
      'after',
      `
Without a sub-command, runs the agent on this computer: it enrolls (with the token, or waiting for
an administrator's approval), follows its configuration, and runs its workflows with the credentials
distributed to it — kept in memory only. Logs are JSON lines on stderr. SIGTERM or SIGINT stop it.
Settings may come from STEWARD_AGENT_SERVERS (comma-separated), STEWARD_AGENT_TOKEN,
STEWARD_AGENT_DATA_DIR, STEWARD_AGENT_NAME and STEWARD_AGENT_LOG_LEVEL.

Examples:
  STEWARD_AGENT_TOKEN=stw_enroll_… steward agent --server https://steward1:8443 --server https://steward2:8443
  steward agent --server http://127.0.0.1:8080 --data-dir /var/lib/steward-agent`,
    )
    .action(async (opts: { server?: string[]; token?: string; dataDir?: string; name?: string }) => {
      const settings = agentRunSettings(opts, ctx.env);
      // Loaded here: other commands start faster without the daemon's modules.
      const [{ default: pino }, { createAgentDaemon }] = await Promise.all([
        import('pino'),
        import('../../agent/agent-daemon.js'),
      ]);
      const logger = pino({ level: settings.logLevel, base: { name: 'steward-agent' } }, pino.destination(2));
      const daemon = createAgentDaemon({
        servers: settings.servers,
        dataDir: settings.dataDir,
        computerName: settings.computerName,
        enrollmentToken: settings.token,
        logger,
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
