// The SCOM class of a computer whose agent reports its operating system when it enrolls.
import { COMPUTER_CLASS } from './class-tree.js';

export const agentPlatforms = ['windows', 'linux', 'unix', 'other'] as const;
export type AgentPlatform = (typeof agentPlatforms)[number];

/** Microsoft.Linux.Computer is abstract (distribution packs declare concrete classes): Steward.Library has one. */
export const LINUX_AGENT_CLASS = 'Steward.LinuxComputer';
export const WINDOWS_COMPUTER_CLASS = 'Microsoft.Windows.Computer';

/** The class an enrolled computer gets, and the key property its class asks for. */
export function platformClass(platform: AgentPlatform | null | undefined): string {
  if (platform === 'windows') return WINDOWS_COMPUTER_CLASS;
  if (platform === 'linux') return LINUX_AGENT_CLASS;
  return COMPUTER_CLASS;
}

/** `process.platform` as an agent reports it. */
export function platformOf(nodePlatform: string): AgentPlatform {
  if (nodePlatform === 'win32') return 'windows';
  if (nodePlatform === 'linux') return 'linux';
  if (['aix', 'sunos', 'freebsd', 'openbsd', 'netbsd'].includes(nodePlatform)) return 'unix';
  return 'other';
}
