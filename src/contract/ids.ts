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

// Random bytes are drawn a page at a time (one call to the system's generator per 256 ids, not one per id); each
// byte is used once.
const PAGE = 4096;
let page = Buffer.alloc(0);
let offset = PAGE;

export function newId(kind: IdKind): string {
  if (offset + 16 > page.length) {
    page = randomBytes(PAGE);
    offset = 0;
  }
  let body = '';
  for (let i = offset; i < offset + 16; i++) body += alphabet[page[i]! % 36];
  offset += 16;
  return `${idPrefixes[kind]}_${body}`;
}
