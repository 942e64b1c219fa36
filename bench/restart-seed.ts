// The management group of `npm run bench -- restart`: resolve-bench's synthetic group made real. What is small
// (classes, profiles, workflows as a pack; accounts, groups, associations) goes through the API; the bulk (computers,
// their approved agents, their hosted objects) is written here with set-based SQL while no server runs, in the rows
// and audit records the server itself writes when an administrator approves an agent and creates objects.
import { sql } from 'drizzle-orm';
import { newId } from '../src/contract/ids.js';
import { keyFingerprint } from '../src/crypto/agent-keys.js';
import { createKeyring } from '../src/crypto/keyring.js';
import { openFileRootKeys } from '../src/crypto/root-key-files.js';
import type { ObjectDef, ResolutionInput } from '../src/domain/resolution/model.js';
import { agentActor } from '../src/server/modules/agents/agent-identity.js';
import { insertAgents } from '../src/server/modules/agents/agents-repo.js';
import { newComputer, registerComputers } from '../src/server/modules/agents/computer-registration.js';
import {
  type AuditEntry,
  appendAuditBatch,
  useAuditChainKeys,
} from '../src/server/modules/audit/audit-repo.js';
import type { Database } from '../src/store/db.js';
import { type FleetAgent, newFleetAgent } from './agent-fleet.js';

/** Built-in classes the synthetic group names; everything else it declares is the bench pack's. */
const BUILT_IN = new Set(['System.Entity', 'System.Computer', 'System.ResourcePool']);
export const PACK_ID = 'Bench.Restart';
/** Who made the objects and approved the agents, as the server records the bootstrap administrator. */
export const ADMIN_ACTOR = 'user:admin';

/** A synthetic element id (class, profile, workflow, group) as it is named in the database. */
export const el = (id: string) => (BUILT_IN.has(id) ? id : `Bench.${id}`);

/** The bench pack: the synthetic class tree (tier and env declared at its top), profiles and workflows. */
export function benchPack(g: ResolutionInput): string {
  const tops = new Set(g.classes.filter((c) => c.baseClassId === 'System.Entity').map((c) => c.id));
  const profiles = [...new Set(g.workflows.flatMap((w) => (w.profileId ? [w.profileId] : [])))];
  const pack = {
    id: PACK_ID,
    version: '1.0.0',
    references: [{ id: 'Steward.Library', minVersion: '1.0.0' }],
    classes: g.classes
      .filter((c) => !BUILT_IN.has(c.id))
      .map((c) => ({
        id: el(c.id),
        baseClass: c.baseClassId,
        hosted: true,
        ...(tops.has(c.id)
          ? {
              properties: [
                { name: 'tier', type: 'int' },
                { name: 'env', type: 'string' },
              ],
            }
          : {}),
      }))
      .map((c) => ({ ...c, baseClass: el(c.baseClass ?? 'System.Entity') })),
    profiles: profiles.map((p) => ({ id: el(p), displayName: p, contextClass: 'System.Entity' })),
    workflows: g.workflows.map((w) => ({
      id: el(w.id),
      kind: 'rule',
      target: el(w.targetClassId),
      ...(w.profileId ? { runAs: el(w.profileId) } : {}),
      action: { type: 'command', command: ['check'] },
      schedule: { intervalSeconds: 300 },
    })),
  };
  // JSON is YAML: the pack goes in as the native format.
  return JSON.stringify(pack);
}

export interface BulkPlan {
  /** Synthetic computer id → the computer's id in the database (enrolled ones: the id enrollment gave). */
  ids: Map<string, string>;
  /** The agents written here, keys held: any of them can fetch its configuration. */
  bulkAgents: FleetAgent[];
}

export interface BulkFigures {
  computers: number;
  objects: number;
  auditRecords: number;
  keySeconds: number;
  writeSeconds: number;
}

/**
 * Writes every synthetic computer not enrolled yet (`enrolled`: synthetic id → agent id) with its approved agent,
 * and every hosted object, in transactions of `chunk` computers; each with its audit record, chained as the
 * server chains them (the chain key comes from the root key file in the data directory, as the admin commands do).
 */
export async function writeBulk(
  database: Database,
  dataDir: string,
  g: ResolutionInput,
  enrolled: Map<string, string>,
  progress: (line: string) => void,
  chunk = 500,
): Promise<BulkPlan & { figures: BulkFigures }> {
  useAuditChainKeys(createKeyring(openFileRootKeys(dataDir)));
  const keysStarted = performance.now();
  const ids = new Map(enrolled);
  const computerIds = g.runners.filter((r) => r.kind === 'agent').map((r) => r.id);
  const names = new Map(g.objects.filter((o) => o.hostId === null).map((o) => [o.id, o.name]));
  const bulkAgents: FleetAgent[] = [];
  for (const c of computerIds) {
    if (ids.has(c)) continue;
    const a = newFleetAgent(names.get(c) ?? c);
    a.id = newId('computer');
    a.identity.agentId = a.id;
    ids.set(c, a.id);
    bulkAgents.push(a);
  }
  const keySeconds = (performance.now() - keysStarted) / 1000;
  const hostedOn = new Map<string, ObjectDef[]>();
  for (const o of g.objects) {
    if (o.hostId === null) continue;
    // The synthetic ids of hosted objects are `obj_<computer>_<i>`: grouped by their computer.
    const computer = `cmp_${o.id.split('_')[1]}`;
    const list = hostedOn.get(computer);
    if (list) list.push(o);
    else hostedOn.set(computer, [o]);
  }
  for (const o of g.objects) if (o.hostId !== null && !ids.has(o.id)) ids.set(o.id, newId('object'));

  const writeStarted = performance.now();
  let objects = 0;
  let auditRecords = 0;
  const byComputer = new Map(bulkAgents.map((a) => [a.id, a]));
  for (let from = 0; from < computerIds.length; from += chunk) {
    const slice = computerIds.slice(from, from + chunk);
    const fresh = slice.flatMap((c) => {
      const a = byComputer.get(ids.get(c)!);
      return a ? [a] : [];
    });
    const hosted = slice.flatMap((c) => hostedOn.get(c) ?? []);
    const at = new Date();
    await database.db.transaction(async (tx) => {
      // As an agent enrolling without a token and an administrator approving it leave them.
      const audit: AuditEntry[] = fresh.map((a) => ({
        actor: agentActor(a.id),
        kind: 'agent.enroll',
        target: a.id,
        details: {
          computerName: a.computerName,
          status: 'pending',
          signingKeyFingerprint: keyFingerprint(a.identity.signingPublicKey),
        },
      }));
      const computers = fresh.map((a) => newComputer(a.id, a.computerName, ADMIN_ACTOR, 'windows'));
      audit.push(...(await registerComputers(tx, computers)));
      await insertAgents(
        tx,
        fresh.map((a) => ({
          id: a.id,
          computerName: a.computerName,
          signingPublicKey: a.identity.signingPublicKey,
          sealingPublicKey: a.identity.sealingPublicKey,
          status: 'approved',
          enrolledAt: at,
          lastSeenAt: null,
          platform: 'windows',
        })),
      );
      for (const a of fresh)
        audit.push({
          actor: ADMIN_ACTOR,
          kind: 'agent.approve',
          target: a.id,
          details: { computerName: a.computerName },
        });
      const rows = hosted.map((o) => ({
        id: ids.get(o.id)!,
        class_id: el(o.classId),
        name: o.name,
        display_name: o.displayName,
        properties: o.properties,
        host_id: ids.get(o.hostId!)!,
      }));
      // The rows the objects API writes (objects-repo insertObjectsUnlessTaken), in one statement.
      await tx.execute(sql`
        INSERT INTO objects (id, class_id, name, display_name, properties, host_id)
        SELECT id, class_id, name, display_name, properties, host_id
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(
          id text, class_id text, name text, display_name text, properties jsonb, host_id text)`);
      for (const r of rows)
        audit.push({
          actor: ADMIN_ACTOR,
          kind: 'object.create',
          target: r.id,
          details: { classId: r.class_id, name: r.name, hostId: r.host_id },
        });
      await appendAuditBatch(tx, audit, at);
      objects += rows.length;
      auditRecords += audit.length;
    });
    if ((from / chunk) % 5 === 4 || from + chunk >= computerIds.length)
      progress(`wrote ${Math.min(from + chunk, computerIds.length)} computers, ${objects} objects`);
  }
  return {
    ids,
    bulkAgents,
    figures: {
      computers: bulkAgents.length,
      objects,
      auditRecords,
      keySeconds,
      writeSeconds: (performance.now() - writeStarted) / 1000,
    },
  };
}
