// Registers every sub-command on the program.
import type { Command } from 'commander';
import { registerServerCommand } from './run-server.js';

export function registerCommands(program: Command): void {
  registerServerCommand(program);
}
