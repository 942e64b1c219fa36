// What the Credentials step asks for, per account type; secret fields use password inputs and are never shown again.
import type { z } from 'zod';
import type { AccountType, scopeSchema } from '../../../../src/contract/accounts.js';

type Scope = z.infer<typeof scopeSchema>;

export interface FieldSpec {
  name: string;
  label: string;
  secret?: boolean;
  optional?: boolean;
  multiline?: boolean;
  options?: readonly string[];
  checkbox?: boolean;
}

const user: FieldSpec = { name: 'userName', label: 'User name' };
const password: FieldSpec = { name: 'password', label: 'Password', secret: true };
const domain: FieldSpec = { name: 'domain', label: 'Domain', optional: true };

export const accountTypeLabels: Record<AccountType, string> = {
  windows: 'Windows',
  action: 'Action Account',
  basic: 'Basic Authentication',
  digest: 'Digest Authentication',
  simple: 'Simple Authentication',
  'community-string': 'Community String',
  binary: 'Binary Authentication',
  snmpv3: 'SNMPv3 Account',
  'unix-monitoring': 'UNIX/Linux monitoring account',
  'unix-maintenance': 'UNIX/Linux maintenance account',
  'ssh-key': 'SSH key',
  certificate: 'Certificate',
  token: 'Token',
};

export const credentialFields: Record<AccountType, FieldSpec[]> = {
  windows: [user, password, domain],
  action: [user, password, domain],
  basic: [user, password],
  digest: [user, password],
  simple: [user, password],
  'community-string': [{ name: 'communityString', label: 'Community string', secret: true }],
  binary: [{ name: 'dataBase64', label: 'Data (base64)', secret: true, multiline: true }],
  snmpv3: [
    user,
    { name: 'context', label: 'Context', optional: true },
    { name: 'authProtocol', label: 'Authentication protocol', options: ['none', 'md5', 'sha'] },
    { name: 'authKey', label: 'Authentication key', secret: true, optional: true },
    { name: 'privacyProtocol', label: 'Privacy protocol', options: ['none', 'des', 'aes'] },
    { name: 'privacyKey', label: 'Privacy key', secret: true, optional: true },
  ],
  'unix-monitoring': [user, password, { name: 'sudo', label: 'Elevate with sudo', checkbox: true }],
  'unix-maintenance': [
    user,
    { ...password, optional: true },
    { name: 'sshPrivateKey', label: 'SSH private key', secret: true, optional: true, multiline: true },
    { name: 'passphrase', label: 'Key passphrase', secret: true, optional: true },
    { name: 'elevation', label: 'Elevation', options: ['privileged', 'sudo', 'su'] },
    { name: 'suPassword', label: 'su password', secret: true, optional: true },
  ],
  'ssh-key': [
    user,
    { name: 'privateKey', label: 'Private key', secret: true, multiline: true },
    { name: 'passphrase', label: 'Key passphrase', secret: true, optional: true },
  ],
  certificate: [
    { name: 'certificatePem', label: 'Certificate (PEM)', multiline: true },
    { name: 'privateKeyPem', label: 'Private key (PEM)', secret: true, multiline: true },
    { name: 'passphrase', label: 'Key passphrase', secret: true, optional: true },
  ],
  token: [{ name: 'token', label: 'Token', secret: true }],
};

/** The credential body: empty optional fields are left out, checkboxes are booleans. */
export function credentialBody(type: AccountType, values: Record<string, string | boolean>) {
  const body: Record<string, string | boolean> = { type };
  for (const f of credentialFields[type]) {
    const v = values[f.name];
    if (f.checkbox) body[f.name] = Boolean(v);
    else if (typeof v === 'string' && v !== '') body[f.name] = v;
    else if (f.options) body[f.name] = f.options[0]!;
  }
  return body;
}

/** How a scope names what it points at; each gives the id back when it knows no better name. */
export interface ScopeNames {
  object: (id: string) => string;
  group: (id: string) => string;
  class: (id: string) => string;
}
const byId = (id: string) => id;

/** An association's scope in words: an object, group or class by the name `names` gives (its id otherwise). */
export function scopeLabel(scope: Scope, names: Partial<ScopeNames> = {}): string {
  switch (scope.kind) {
    case 'all':
      return 'All targeted objects';
    case 'class':
      return `Class ${(names.class ?? byId)(scope.classId)}`;
    case 'group':
      return `Group ${(names.group ?? byId)(scope.groupId)}`;
    case 'object':
      return `Object ${(names.object ?? byId)(scope.objectId)}`;
  }
}
