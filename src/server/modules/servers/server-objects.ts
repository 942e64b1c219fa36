// Each management server is an object of SCOM's Microsoft.SystemCenter.ManagementServer class (a
// Microsoft.SystemCenter.HealthService), hosted by the All Management Servers pool whose work it runs: groups of
// management servers or health services, and workflows targeting those classes, resolve on it.
import { and, eq, isNotNull, lte, or } from 'drizzle-orm';
import { builtInPoolIds, MANAGEMENT_SERVER_CLASS } from '../../../contract/inventory.js';
import type { Tx } from '../../../store/db.js';
import { managementServers, objects } from '../../../store/schema.js';
import { associationsScopedTo } from '../accounts/accounts-repo.js';
import { appendAudit } from '../audit/audit-repo.js';
import { findClass } from '../inventory/classes-repo.js';
import * as objectsRepo from '../inventory/objects-repo.js';

const HOST = builtInPoolIds.allManagementServers;

/**
 * Registers server `id` as an object, in the caller's transaction, audited (`object.create`). The objects of
 * earlier runs of a server of the same name that are no longer alive (stopped, or silent past `staleBefore`) are
 * removed first (`object.delete`): the server that starts again under that name replaces them. Returns false,
 * having written nothing, when the class or the pool is missing (the built-in packs and pools not made yet).
 */
export async function registerServerObject(
  tx: Tx,
  server: { id: string; name: string },
  staleBefore: Date,
): Promise<boolean> {
  if (!(await findClass(tx, MANAGEMENT_SERVER_CLASS)) || !(await objectsRepo.findObject(tx, HOST)))
    return false;
  const actor = `server:${server.id}`;
  const replaced = await tx
    .select({ id: objects.id })
    .from(objects)
    .innerJoin(managementServers, eq(managementServers.id, objects.id))
    .where(
      and(
        eq(objects.classId, MANAGEMENT_SERVER_CLASS),
        eq(managementServers.name, server.name),
        or(isNotNull(managementServers.stoppedAt), lte(managementServers.heartbeatAt, staleBefore)),
      ),
    );
  for (const { id } of replaced) {
    // Associations scoped to the former object stay, reported as dangling, as when a discovery removes one.
    const deleted = [id, ...(await objectsRepo.hostedSubtreeRows(tx, id)).map((r) => r.id).sort()];
    const scoped = await associationsScopedTo(tx, { objectIds: deleted });
    await objectsRepo.deleteObjects(tx, deleted);
    await appendAudit(tx, {
      actor,
      kind: 'object.delete',
      target: id,
      details: {
        name: server.name,
        classId: MANAGEMENT_SERVER_CLASS,
        replacedBy: server.id,
        deleted,
        scoped,
      },
    });
  }
  // Two live servers of one name (even starting at once): the second is named by its id, shown by the name.
  const row = { id: server.id, classId: MANAGEMENT_SERVER_CLASS, displayName: server.name, hostId: HOST };
  let name = server.name;
  const inserted = await tx
    .insert(objects)
    .values({ ...row, name })
    .onConflictDoNothing()
    .returning({ id: objects.id });
  if (!inserted.length) {
    name = server.id;
    await objectsRepo.insertObject(tx, { ...row, name });
  }
  await appendAudit(tx, {
    actor,
    kind: 'object.create',
    target: server.id,
    details: { name, classId: MANAGEMENT_SERVER_CLASS, hostId: HOST, by: 'server-start' },
  });
  return true;
}
