// A discovery's snapshot applied to the inventory: objects it finds are created or updated, objects it found
// before and no longer lists are removed — only ever on the runner's own computer (or pool).
import { newId } from '../../../contract/ids.js';
import { type ClassTree, COMPUTER_CLASS } from '../../../domain/inventory/class-tree.js';
import { hostChainOf } from '../../../domain/inventory/hosting.js';
import { checkProperties, nameFromKeys } from '../../../domain/inventory/properties.js';
import type { DiscoveredObject, OutputProblem } from '../../../domain/runtime/workflow-output.js';
import type { Tx } from '../../../store/db.js';
import { appendAudit } from '../audit/audit-repo.js';
import { deleteWithHosted, isTopHostClass, loadClassTree } from '../inventory/inventory-shared.js';
import * as objects from '../inventory/objects-repo.js';

export interface DiscoveryRun {
  runnerId: string;
  discoveryId: string;
  /** The object the discovery ran for. */
  sourceId: string;
  actor: string;
}

export interface DiscoveryOutcome {
  created: string[];
  updated: string[];
  removed: string[];
  problems: OutputProblem[];
}

const sameValues = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** Whether `hostId` exists and its hosting chain ends at the runner. */
async function hostedByRunner(tx: Tx, tree: ClassTree, hostId: string, runnerId: string) {
  const rows = await objects.selfAndHosts(tx, hostId);
  const byId = new Map(rows.map((r) => [r.id, r]));
  if (!byId.has(hostId)) return false;
  if (hostId === runnerId) return true;
  const chain = hostChainOf(
    hostId,
    (x) => byId.get(x),
    (x) => isTopHostClass(tree, byId.get(x)!.classId),
  );
  return chain.kind === 'ok' && chain.top === runnerId;
}

/**
 * Applies one successful discovery run in the caller's transaction. Lines with problems are skipped and
 * named; when there is any problem, nothing is removed (a half-read snapshot is not the whole truth).
 * An object made by a person or by another discovery is left as it is.
 */
export async function applyDiscovery(
  tx: Tx,
  run: DiscoveryRun,
  found: DiscoveredObject[],
  readProblems: OutputProblem[],
): Promise<DiscoveryOutcome> {
  const tree = await loadClassTree(tx);
  const out: DiscoveryOutcome = { created: [], updated: [], removed: [], problems: [...readProblems] };
  const seen = new Set<string>();
  const hostOk = new Map<string, boolean>();
  for (const d of found) {
    const problem = (message: string) => out.problems.push({ line: d.line, message });
    const node = tree.get(d.classId);
    if (!node) {
      problem(`class: no class '${d.classId}'`);
      continue;
    }
    if (node.abstract || isTopHostClass(tree, d.classId) || tree.isA(d.classId, COMPUTER_CLASS)) {
      problem(`class: ${d.classId} is abstract, a computer or a pool: a discovery cannot make it`);
      continue;
    }
    const hostId = d.hostId ?? run.sourceId;
    if (!hostOk.has(hostId)) hostOk.set(hostId, await hostedByRunner(tx, tree, hostId, run.runnerId));
    if (!hostOk.get(hostId)) {
      problem(`host: '${hostId}' is not an object on this health service`);
      continue;
    }
    const issues = checkProperties(
      d.properties,
      tree.allProperties(d.classId),
      tree.allKeyProperties(d.classId),
      d.classId,
    );
    if (issues.length) {
      problem(`properties.${issues[0]!.property}: ${issues[0]!.message}`);
      continue;
    }
    const keys = tree.allKeyProperties(d.classId);
    const name = d.name ?? (keys.length ? nameFromKeys(d.properties, keys) : undefined);
    if (!name) {
      problem(`name: must be given: class ${d.classId} has no key properties`);
      continue;
    }
    const hit = await objects.findHostedByName(tx, hostId, d.classId, name);
    const existing = hit && (await objects.findObject(tx, hit.id));
    if (!existing) {
      const row = await objects.insertObject(tx, {
        id: newId('object'),
        classId: d.classId,
        name,
        displayName: d.displayName ?? name,
        properties: d.properties,
        hostId,
        discoveryId: run.discoveryId,
        discoverySourceId: run.sourceId,
      });
      seen.add(row.id);
      out.created.push(row.id);
      await appendAudit(tx, {
        actor: run.actor,
        kind: 'object.create',
        target: row.id,
        details: { classId: row.classId, name, hostId, discovery: run.discoveryId, source: run.sourceId },
      });
      continue;
    }
    seen.add(existing.id);
    const ours = existing.discoveryId === run.discoveryId && existing.discoverySourceId === run.sourceId;
    if (!ours) continue;
    const displayName = d.displayName ?? existing.displayName;
    if (sameValues(existing.properties, d.properties) && displayName === existing.displayName) continue;
    await objects.updateObject(tx, existing.id, { properties: d.properties, displayName });
    out.updated.push(existing.id);
    await appendAudit(tx, {
      actor: run.actor,
      kind: 'object.update',
      target: existing.id,
      details: { changed: ['properties', 'displayName'], discovery: run.discoveryId },
    });
  }
  if (out.problems.length) return out;
  const before = await objects.findDiscovered(tx, run.discoveryId, run.sourceId);
  const gone = new Set<string>();
  for (const row of before) {
    if (seen.has(row.id) || gone.has(row.id)) continue;
    const deleted = await deleteWithHosted(
      tx,
      run.actor,
      { id: row.id, kind: 'object', what: 'Object', name: row.name },
      true,
      { byDiscovery: true },
    );
    for (const id of deleted) gone.add(id);
    out.removed.push(row.id);
  }
  return out;
}
