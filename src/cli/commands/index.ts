// Registers every sub-command on the program.
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { registerAccountCommands } from './account.js';
import { registerAdminRotateRootKey } from './admin-rotate-root-key.js';
import { registerAgentAdminCommands } from './agent-admin.js';
import { registerAgentConfigCommand } from './agent-config.js';
import { registerAgentRunCommand } from './agent-run.js';
import { registerAlertCommands } from './alert.js';
import { registerAssetCommands } from './asset.js';
import { registerAuditCommands } from './audit.js';
import { registerAutomationCommands } from './automation.js';
import { registerClassCommands } from './class.js';
import { registerComputerCommands } from './computer.js';
import { registerExplainCommand } from './explain.js';
import { registerFindingsCommand } from './findings.js';
import { registerGroupCommands } from './group.js';
import { registerLoginCommands } from './login.js';
import { registerNotifyCommands } from './notify.js';
import { registerObjectCommands } from './object.js';
import { registerPackCommands } from './pack.js';
import { registerPasswordCommands } from './password.js';
import { registerPoolCommands } from './pool.js';
import { registerProfileCommands } from './profile.js';
import { registerServerCommand } from './run-server.js';
import { registerRunbookCommands } from './runbook.js';
import { registerServersCommands } from './servers.js';
import { registerTaskRunCommand } from './task-run.js';
import { registerTaskRunsCommands } from './task-runs.js';
import { registerTokenCommands } from './token.js';
import { registerUserCommands } from './user.js';
import { registerWorkerGroupCommands } from './worker-group.js';
import { registerWorkflowCommands } from './workflow.js';

export function registerCommands(program: Command, ctx: CliContext): void {
  registerServerCommand(program);
  registerLoginCommands(program, ctx);
  registerPasswordCommands(program, ctx);
  registerUserCommands(program, ctx);
  registerTokenCommands(program, ctx);
  registerAuditCommands(program, ctx);
  registerServersCommands(program, ctx);
  registerClassCommands(program, ctx);
  registerObjectCommands(program, ctx);
  registerComputerCommands(program, ctx);
  registerPoolCommands(program, ctx);
  registerGroupCommands(program, ctx);
  registerPackCommands(program, ctx);
  registerProfileCommands(program, ctx);
  registerWorkflowCommands(program, ctx);
  registerAccountCommands(program, ctx);
  registerExplainCommand(program, ctx);
  registerFindingsCommand(program, ctx);
  registerAgentConfigCommand(program, ctx);
  registerAgentRunCommand(program, ctx);
  registerAlertCommands(program, ctx);
  registerNotifyCommands(program, ctx);
  registerAgentAdminCommands(program, ctx);
  registerTaskRunCommand(program, ctx);
  registerTaskRunsCommands(program, ctx);
  registerAutomationCommands(program, ctx);
  registerWorkerGroupCommands(program, ctx);
  registerRunbookCommands(program, ctx);
  registerAssetCommands(program, ctx);
  const admin = program
    .command('admin')
    .description('Maintenance that runs on a server machine, against the database');
  registerAdminRotateRootKey(admin, ctx);
}
