// The computer an agent enrolls for: registered under the agent's id with the class of its operating system,
// or, when registered before as a plain System.Computer, given that class. Each with its audit record.
import { COMPUTER_CLASS } from '../../../domain/inventory/class-tree.js';
import { type AgentPlatform, platformClass } from '../../../domain/inventory/platform.js';
import type { Tx } from '../../../store/db.js';
import type { AuditEntry } from '../audit/audit-repo.js';
import * as inventory from '../inventory/objects-repo.js';

export interface NewComputer {
  object: inventory.NewObjectRow;
  computer: { id: string; name: string; defaultActionAccountId: null };
  audit: AuditEntry;
}

/** The rows of a new computer and its audit record; keyed by its name, as SCOM keys computers. */
export function newComputer(
  id: string,
  name: string,
  actor: string,
  platform: AgentPlatform | null,
): NewComputer {
  const classId = platformClass(platform);
  return {
    object: {
      id,
      classId,
      name,
      displayName: name,
      properties: classId === COMPUTER_CLASS ? {} : { PrincipalName: name },
      hostId: null,
    },
    computer: { id, name, defaultActionAccountId: null },
    audit: {
      actor,
      kind: 'computer.create',
      target: id,
      details: { name, classId, defaultActionAccountId: null, by: 'agent-enrollment' },
    },
  };
}

/** Registers computers, their objects and audit records in the caller's transaction. */
export async function registerComputers(tx: Tx, computers: NewComputer[]): Promise<AuditEntry[]> {
  await inventory.insertComputers(tx, computers);
  return computers.map((c) => c.audit);
}

/**
 * A computer registered before its agent, as a plain System.Computer, takes the class of the reported OS:
 * updated in the caller's transaction; answers its audit record, or nothing when the class stays.
 */
export async function refineComputerClass(
  tx: Tx,
  c: inventory.ComputerWithObject | undefined,
  actor: string,
  platform: AgentPlatform | null,
): Promise<AuditEntry[]> {
  const classId = platformClass(platform);
  if (!c || classId === COMPUTER_CLASS || c.object.classId !== COMPUTER_CLASS) return [];
  const properties = { PrincipalName: c.computer.name, ...(c.object.properties as Record<string, unknown>) };
  await inventory.updateObject(tx, c.computer.id, { classId, properties });
  return [
    {
      actor,
      kind: 'computer.update',
      target: c.computer.id,
      details: { classId, previousClassId: COMPUTER_CLASS, platform, by: 'agent-enrollment' },
    },
  ];
}
