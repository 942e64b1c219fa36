// Registers every inventory route: classes, objects, computers, pools and groups.
import type { FastifyInstance } from 'fastify';
import { registerClasses } from './classes-routes.js';
import { registerComputers } from './computers-routes.js';
import { registerGroups } from './groups-routes.js';
import type { InventoryService } from './inventory-service.js';
import { registerObjects } from './objects-routes.js';
import { registerPools } from './pools-routes.js';

export function registerInventory(app: FastifyInstance, inventory: InventoryService): void {
  registerClasses(app, inventory.classes);
  registerObjects(app, inventory.objects);
  registerComputers(app, inventory.computers);
  registerPools(app, inventory.pools);
  registerGroups(app, inventory.groups);
}
