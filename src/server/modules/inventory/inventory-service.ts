// The inventory as one service made of its parts: classes, objects, computers, pools and groups.
import type { Db } from '../../../store/db.js';
import type { ClassTreeCache } from './class-tree-cache.js';
import { createClassesService } from './classes-service.js';
import { createGroupsService } from './groups-service.js';
import type { ObjectCache } from './object-cache.js';
import { createComputersService, createObjectsService } from './objects-service.js';
import { createPoolsService, type PoolsServiceDeps } from './pools-service.js';

export interface InventoryServiceDeps {
  db: Db;
  servers: PoolsServiceDeps['servers'];
  classTree?: ClassTreeCache;
  objectCache?: ObjectCache;
  /** Batches of new objects written at once: more than one only where the database has several connections. */
  objectWriters?: number;
}

export type InventoryService = ReturnType<typeof createInventoryService>;

export function createInventoryService(deps: InventoryServiceDeps) {
  return {
    classes: createClassesService(deps),
    objects: createObjectsService(deps),
    computers: createComputersService(deps),
    pools: createPoolsService(deps),
    groups: createGroupsService(deps),
  };
}
