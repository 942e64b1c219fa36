// Prefixed random identifiers: the prefix tells a reader what kind of record an id names.
import { randomBytes } from 'node:crypto';

export const idPrefixes = {
  user: 'usr',
  token: 'tok',
  object: 'obj',
  computer: 'cmp',
  pool: 'pool',
  server: 'srv',
  secret: 'sec',
  account: 'acct',
  association: 'asc',
  alert: 'alrt',
  taskRun: 'trun',
  channel: 'chan',
  subscriber: 'sbr',
  subscription: 'sub',
  delivery: 'dlv',
  request: 'req',
  automationAccount: 'aa',
  runbook: 'rb',
  asset: 'ast',
  connectionType: 'ctyp',
  job: 'job',
  schedule: 'sch',
  webhook: 'wh',
  workerGroup: 'hwg',
  userAssignedIdentity: 'uami',
  roleAssignment: 'ra',
  policyAssignment: 'pa',
} as const;

export type IdKind = keyof typeof idPrefixes;

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

export function newId(kind: IdKind): string {
  const bytes = randomBytes(16);
  let body = '';
  for (const b of bytes) body += alphabet[b % 36];
  return `${idPrefixes[kind]}_${body}`;
}
