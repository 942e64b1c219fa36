// Envelope encryption: each value sealed with its own data key (AES-256-GCM), data keys wrapped by the root key.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { deriveKey, type KeyPurpose } from './derived-keys.js';

export interface RootKey {
  /** Short fingerprint stored beside every wrapped data key, so the right root key can be found. */
  id: string;
  key: Buffer;
}

/** What is stored for one sealed value; every field is base64 text except the key id. */
export interface SealedValue {
  rootKeyId: string;
  wrappedKey: string;
  nonce: string;
  ciphertext: string;
}

export class KeyringError extends Error {
  constructor(
    readonly code: 'UNKNOWN_ROOT_KEY' | 'TAMPERED_OR_WRONG_KEY',
    message: string,
  ) {
    super(message);
  }
}

/** Where root keys come from: the current one (for new seals) and any others still readable. */
export interface RootKeySource {
  current(): RootKey;
  find(id: string): RootKey | undefined;
}

export function rootKeyFrom(key: Buffer): RootKey {
  if (key.length !== 32) throw new Error('A root key is 32 bytes.');
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

export function generateRootKey(): RootKey {
  return rootKeyFrom(randomBytes(32));
}

const NONCE = 12;
const TAG = 16;

function encrypt(key: Buffer, plaintext: Buffer, aad: string): { nonce: Buffer; sealed: Buffer } {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, sealed: Buffer.concat([body, cipher.getAuthTag()]) };
}

function decrypt(key: Buffer, nonce: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < TAG || nonce.length !== NONCE) throw new Error('short');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG)), decipher.final()]);
}

/** Associated data: a ciphertext moved to another record or version fails to open. */
const valueAad = (recordId: string, version: number) => `steward:value:${recordId}:${version}`;
const wrapAad = (recordId: string, version: number) => `steward:data-key:${recordId}:${version}`;

export interface Keyring {
  seal(recordId: string, version: number, plaintext: Buffer): SealedValue;
  open(recordId: string, version: number, sealed: SealedValue): Buffer;
  /** Re-wraps the data key under the current root key; the value's ciphertext is untouched. */
  rewrap(recordId: string, version: number, sealed: SealedValue): SealedValue;
  currentKeyId(): string;
  /** A key for one purpose, derived from the current root key or the one named (UNKNOWN_ROOT_KEY if absent). */
  derive(purpose: KeyPurpose, rootKeyId?: string): Buffer;
}

export function createKeyring(keys: RootKeySource): Keyring {
  const derived = new Map<string, Buffer>();
  const rootKeyFor = (id: string) => {
    const k = keys.find(id);
    if (!k) {
      throw new KeyringError(
        'UNKNOWN_ROOT_KEY',
        `A value is wrapped by root key ${id}, which this server does not have. Check STEWARD_ROOT_KEY or the key file.`,
      );
    }
    return k;
  };
  const tampered = (recordId: string) =>
    new KeyringError(
      'TAMPERED_OR_WRONG_KEY',
      `The sealed value of ${recordId} failed its integrity check: it was altered, or the root key is wrong.`,
    );

  const wrap = (root: RootKey, recordId: string, version: number, dataKey: Buffer) => {
    const w = encrypt(root.key, dataKey, wrapAad(recordId, version));
    return Buffer.concat([w.nonce, w.sealed]).toString('base64');
  };
  const unwrap = (recordId: string, version: number, sealed: SealedValue) => {
    const root = rootKeyFor(sealed.rootKeyId);
    const raw = Buffer.from(sealed.wrappedKey, 'base64');
    try {
      return decrypt(root.key, raw.subarray(0, NONCE), raw.subarray(NONCE), wrapAad(recordId, version));
    } catch {
      throw tampered(recordId);
    }
  };

  return {
    seal(recordId, version, plaintext) {
      const root = keys.current();
      const dataKey = randomBytes(32);
      const v = encrypt(dataKey, plaintext, valueAad(recordId, version));
      const sealed = {
        rootKeyId: root.id,
        wrappedKey: wrap(root, recordId, version, dataKey),
        nonce: v.nonce.toString('base64'),
        ciphertext: v.sealed.toString('base64'),
      };
      dataKey.fill(0);
      return sealed;
    },
    open(recordId, version, sealed) {
      const dataKey = unwrap(recordId, version, sealed);
      try {
        return decrypt(
          dataKey,
          Buffer.from(sealed.nonce, 'base64'),
          Buffer.from(sealed.ciphertext, 'base64'),
          valueAad(recordId, version),
        );
      } catch {
        throw tampered(recordId);
      } finally {
        dataKey.fill(0);
      }
    },
    rewrap(recordId, version, sealed) {
      const root = keys.current();
      if (sealed.rootKeyId === root.id) return sealed;
      const dataKey = unwrap(recordId, version, sealed);
      const wrappedKey = wrap(root, recordId, version, dataKey);
      dataKey.fill(0);
      return { ...sealed, rootKeyId: root.id, wrappedKey };
    },
    currentKeyId: () => keys.current().id,
    derive(purpose, rootKeyId) {
      // Derived once per root key and purpose: every audited write asks for the chain's key.
      const root = rootKeyId ? rootKeyFor(rootKeyId) : keys.current();
      const id = `${root.id}/${purpose}`;
      let key = derived.get(id);
      if (!key) {
        key = deriveKey(root, purpose);
        derived.set(id, key);
      }
      return key;
    },
  };
}
