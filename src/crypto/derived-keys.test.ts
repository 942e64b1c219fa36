// Proves derived keys are stable for one root key and purpose, and differ across purposes and root keys.
import { describe, expect, it } from 'vitest';
import { deriveKey } from './derived-keys.js';
import { generateRootKey } from './keyring.js';

describe('deriveKey', () => {
  it('gives the same 32-byte key for the same root key and purpose', () => {
    const root = generateRootKey();
    expect(deriveKey(root, 'audit-chain')).toEqual(deriveKey(root, 'audit-chain'));
    expect(deriveKey(root, 'audit-chain')).toHaveLength(32);
  });

  it('gives different keys for different purposes and different root keys', () => {
    const root = generateRootKey();
    expect(deriveKey(root, 'audit-chain')).not.toEqual(deriveKey(root, 'audit-user-name'));
    expect(deriveKey(root, 'audit-chain')).not.toEqual(deriveKey(generateRootKey(), 'audit-chain'));
    expect(deriveKey(root, 'audit-chain')).not.toEqual(root.key);
  });
});
