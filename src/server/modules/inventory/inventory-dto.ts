// Rows of the inventory turned into the response shapes of src/contract/inventory.ts.
import type { GroupRule } from '../../../contract/inventory.js';
import { iso } from '../../http.js';
import type { ClassRow } from './classes-repo.js';
import type { GroupWithLinks } from './groups-repo.js';
import type { ComputerWithObject, ObjectRow } from './objects-repo.js';
import type { PoolWithObject } from './pools-repo.js';

export const classDto = (c: ClassRow) => ({
  id: c.id,
  baseClassId: c.baseClassId,
  displayName: c.displayName,
  description: c.description,
  abstract: c.abstract,
  hosted: c.hosted,
  keyProperties: c.keyProperties,
  properties: c.properties,
  packId: c.packId,
  createdAt: iso(c.createdAt),
});

export const objectDto = (o: ObjectRow) => ({
  id: o.id,
  classId: o.classId,
  name: o.name,
  displayName: o.displayName,
  properties: o.properties,
  hostId: o.hostId,
  createdAt: iso(o.createdAt),
  updatedAt: iso(o.updatedAt),
});

export const computerDto = ({ object, computer }: ComputerWithObject) => ({
  id: computer.id,
  name: computer.name,
  displayName: object.displayName,
  classId: object.classId,
  properties: object.properties,
  defaultActionAccountId: computer.defaultActionAccountId,
  registeredAt: iso(computer.registeredAt),
  updatedAt: iso(object.updatedAt),
});

export const poolDto = (p: PoolWithObject & { members: { id: string; name: string; live: boolean }[] }) => ({
  id: p.pool.id,
  name: p.pool.name,
  displayName: p.object.displayName,
  classId: p.object.classId,
  membership: p.pool.membership as 'automatic' | 'manual',
  builtIn: p.pool.builtIn,
  members: p.members,
});

export const groupDto = (g: GroupWithLinks) => ({
  id: g.group.id,
  displayName: g.group.displayName,
  description: g.group.description,
  members: g.members,
  rules: g.group.rules as GroupRule[],
  subgroups: g.subgroups,
  packId: g.group.packId,
  createdAt: iso(g.group.createdAt),
  updatedAt: iso(g.group.updatedAt),
});
