// Test support: the three core classes the built-in library pack declares, added when absent, and the built-in pools.
import { COMPUTER_CLASS, POOL_CLASS, ROOT_CLASS } from '../../../domain/inventory/class-tree.js';
import type { Db } from '../../../store/db.js';
import { classes } from '../../../store/schema.js';
import { ensureBuiltInPools } from './pools-service.js';

/** Idempotent: leaves classes that already exist (e.g. from Steward.Library) as they are. */
export async function ensureCoreClasses(db: Db): Promise<void> {
  await db
    .insert(classes)
    .values([
      { id: ROOT_CLASS, baseClassId: null, displayName: 'Object', abstract: true },
      { id: COMPUTER_CLASS, baseClassId: ROOT_CLASS, displayName: 'Computer' },
      { id: POOL_CLASS, baseClassId: ROOT_CLASS, displayName: 'Resource Pool' },
    ])
    .onConflictDoNothing();
  await ensureBuiltInPools(db);
}
