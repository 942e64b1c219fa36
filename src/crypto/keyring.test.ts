// Proves envelope encryption round-trips, binds each value to its record id and version, and fails closed on tampering or the wrong key.
import { describe, expect, it } from 'vitest';
import { createKeyring, generateRootKey, KeyringError, type RootKey, type SealedValue } from './keyring.js';

const keyringOf = (current: RootKey, ...others: RootKey[]) =>
  createKeyring({
    current: () => current,
    find: (id) => [current, ...others].find((k) => k.id === id),
  });

const flipByte = (b64: string, at = 0) => {
  const raw = Buffer.from(b64, 'base64');
  raw[at] = raw[at]! ^ 0x01;
  return raw.toString('base64');
};

const expectKeyringError = (fn: () => unknown, code: KeyringError['code']) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyringError);
    expect((err as KeyringError).code).toBe(code);
    return;
  }
  throw new Error('expected a KeyringError, but the value opened');
};

describe('keyring', () => {
  const root = generateRootKey();
  const keyring = keyringOf(root);
  const secret = Buffer.from('P@ssw0rd for sa');

  it('opens what it sealed, and the sealed form does not contain the plaintext', () => {
    const sealed = keyring.seal('sec_1', 1, secret);
    expect(sealed.rootKeyId).toBe(root.id);
    expect(JSON.stringify(sealed)).not.toContain('P@ssw0rd');
    expect(keyring.open('sec_1', 1, sealed).toString()).toBe('P@ssw0rd for sa');
  });

  it('uses a fresh data key and nonce for every seal of the same value', () => {
    const a = keyring.seal('sec_1', 1, secret);
    const b = keyring.seal('sec_1', 1, secret);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
  });

  it('refuses a ciphertext copied to another record id', () => {
    const sealed = keyring.seal('sec_a', 1, secret);
    expectKeyringError(() => keyring.open('sec_b', 1, sealed), 'TAMPERED_OR_WRONG_KEY');
  });

  it('refuses a ciphertext copied to another version of the same record', () => {
    const sealed = keyring.seal('sec_a', 1, secret);
    expectKeyringError(() => keyring.open('sec_a', 2, sealed), 'TAMPERED_OR_WRONG_KEY');
  });

  it('refuses a value whose data key was swapped for another record’s', () => {
    const a = keyring.seal('sec_a', 1, secret);
    const b = keyring.seal('sec_b', 1, Buffer.from('other'));
    const mixed: SealedValue = { ...a, wrappedKey: b.wrappedKey };
    expectKeyringError(() => keyring.open('sec_a', 1, mixed), 'TAMPERED_OR_WRONG_KEY');
  });

  it('refuses a value with one flipped byte in the ciphertext, the nonce or the wrapped key', () => {
    const sealed = keyring.seal('sec_t', 3, secret);
    expectKeyringError(
      () => keyring.open('sec_t', 3, { ...sealed, ciphertext: flipByte(sealed.ciphertext) }),
      'TAMPERED_OR_WRONG_KEY',
    );
    expectKeyringError(
      () => keyring.open('sec_t', 3, { ...sealed, nonce: flipByte(sealed.nonce) }),
      'TAMPERED_OR_WRONG_KEY',
    );
    expectKeyringError(
      () => keyring.open('sec_t', 3, { ...sealed, wrappedKey: flipByte(sealed.wrappedKey, 20) }),
      'TAMPERED_OR_WRONG_KEY',
    );
  });

  it('refuses a value sealed under a root key it does not have, naming the key id', () => {
    const other = keyringOf(generateRootKey());
    const sealed = other.seal('sec_x', 1, secret);
    expect(() => keyring.open('sec_x', 1, sealed)).toThrow(sealed.rootKeyId);
    expectKeyringError(() => keyring.open('sec_x', 1, sealed), 'UNKNOWN_ROOT_KEY');
  });

  it('refuses a value opened with a different key that claims the same id', () => {
    const sealed = keyring.seal('sec_w', 1, secret);
    const impostor: RootKey = { id: root.id, key: generateRootKey().key };
    expectKeyringError(() => keyringOf(impostor).open('sec_w', 1, sealed), 'TAMPERED_OR_WRONG_KEY');
  });

  it('re-wraps under the current key without touching the ciphertext, and the old key alone no longer opens it', () => {
    const oldRoot = generateRootKey();
    const sealed = keyringOf(oldRoot).seal('sec_r', 1, secret);
    const newRoot = generateRootKey();
    const rewrapped = keyringOf(newRoot, oldRoot).rewrap('sec_r', 1, sealed);
    expect(rewrapped.rootKeyId).toBe(newRoot.id);
    expect(rewrapped.ciphertext).toBe(sealed.ciphertext);
    expect(keyringOf(newRoot).open('sec_r', 1, rewrapped).toString()).toBe('P@ssw0rd for sa');
    expectKeyringError(() => keyringOf(oldRoot).open('sec_r', 1, rewrapped), 'UNKNOWN_ROOT_KEY');
    expectKeyringError(
      () => keyringOf({ id: newRoot.id, key: oldRoot.key }).open('sec_r', 1, rewrapped),
      'TAMPERED_OR_WRONG_KEY',
    );
  });

  it('leaves a value already under the current key as it is', () => {
    const sealed = keyring.seal('sec_s', 1, secret);
    expect(keyring.rewrap('sec_s', 1, sealed)).toBe(sealed);
  });
});
