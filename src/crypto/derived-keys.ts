// Keys for one purpose each, derived from a root key (HKDF-SHA256): the root key itself only wraps data keys.
import { hkdfSync } from 'node:crypto';
import type { RootKey } from './keyring.js';

/** Each purpose gets its own key; adding one never changes the keys of the others. */
export type KeyPurpose = 'audit-chain' | 'audit-user-name' | 'console-csrf';

export function deriveKey(root: RootKey, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', root.key, Buffer.alloc(0), `steward/${purpose}/v1`, 32));
}
