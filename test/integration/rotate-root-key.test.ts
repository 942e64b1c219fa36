// Proves root-key rotation re-wraps every data key, resumes after an interruption, promotes the new key file,
// and that sealed values fail closed on tampering. The rotation tests are steps of one story and run in order.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeyring,
  type Keyring,
  KeyringError,
  type RootKey,
  rootKeyFrom,
} from '../../src/crypto/keyring.js';
import { NEXT_ROOT_KEY_FILE, openFileRootKeys, ROOT_KEY_FILE } from '../../src/crypto/root-key-files.js';
import { rotateRootKey } from '../../src/server/admin/rotate-root-key.js';
import { listAudit, verifyAudit } from '../../src/server/modules/audit/audit-repo.js';
import { findSealed, insertSealed } from '../../src/server/modules/secrets/sealed-secrets-repo.js';
import type { Database } from '../../src/store/db.js';
import { sealedSecrets } from '../../src/store/schema.js';
import { openTestDatabase } from '../support/test-database.js';

let database: Database;
let dataDir: string;
let oldKey: RootKey;
const values = new Map<string, string>();

const onlyKey = (k: RootKey): Keyring =>
  createKeyring({ current: () => k, find: (id) => (id === k.id ? k : undefined) });
const keyFile = (name: string) =>
  rootKeyFrom(Buffer.from(readFileSync(join(dataDir, name), 'utf8').trim(), 'base64'));
const mode = (name: string) => statSync(join(dataDir, name)).mode & 0o777;

async function openAll(keyring: Keyring): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of values.keys()) {
    const row = await findSealed(database.db, id, 1);
    out.set(id, keyring.open(id, 1, row!).toString());
  }
  return out;
}

beforeAll(async () => {
  database = await openTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'steward-rotate-'));
  const fileKeys = openFileRootKeys(dataDir);
  oldKey = fileKeys.current();
  const keyring = createKeyring(fileKeys);
  for (let i = 0; i < 7; i++) {
    const id = `sec_rotate${i}`;
    const plaintext = `secret number ${i}`;
    values.set(id, plaintext);
    await insertSealed(database.db, id, 1, keyring.seal(id, 1, Buffer.from(plaintext)));
  }
});

afterAll(async () => {
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('root-key rotation with a key file', () => {
  it('stops after one batch like a crash would, leaving every value readable and the old key still in root.key', async () => {
    const fileKeys = openFileRootKeys(dataDir);
    const progress: number[] = [];
    const result = await rotateRootKey({
      database,
      keyring: createKeyring(fileKeys),
      fileKeys,
      actor: 'test',
      batchSize: 3,
      stopAfterBatches: 1,
      onProgress: (p) => progress.push(p.done),
    });
    expect(result).toMatchObject({ rewrapped: 3, promoted: false });
    expect(progress).toEqual([3]);
    expect(keyFile(ROOT_KEY_FILE).id).toBe(oldKey.id);
    expect(keyFile(NEXT_ROOT_KEY_FILE).id).toBe(result.rootKeyId);
    expect(mode(NEXT_ROOT_KEY_FILE)).toBe(0o600);
    const rows = await database.db.select().from(sealedSecrets);
    expect(rows.filter((r) => r.rootKeyId === result.rootKeyId)).toHaveLength(3);
    expect(rows.filter((r) => r.rootKeyId === oldKey.id)).toHaveLength(4);
    expect(await openAll(createKeyring(openFileRootKeys(dataDir)))).toEqual(values);
  });

  it('seals new values with the next key while a rotation is in progress', async () => {
    const fileKeys = openFileRootKeys(dataDir);
    const sealed = createKeyring(fileKeys).seal('sec_during', 1, Buffer.from('sealed mid-rotation'));
    expect(sealed.rootKeyId).toBe(keyFile(NEXT_ROOT_KEY_FILE).id);
    await insertSealed(database.db, 'sec_during', 1, sealed);
    values.set('sec_during', 'sealed mid-rotation');
  });

  it('resumes when run again, re-wraps the rest, and promotes the new key to root.key (mode 0600)', async () => {
    const newKeyId = keyFile(NEXT_ROOT_KEY_FILE).id;
    const fileKeys = openFileRootKeys(dataDir);
    const result = await rotateRootKey({
      database,
      keyring: createKeyring(fileKeys),
      fileKeys,
      actor: 'test',
      batchSize: 3,
    });
    expect(result).toEqual({ rootKeyId: newKeyId, rewrapped: 4, promoted: true });
    expect(keyFile(ROOT_KEY_FILE).id).toBe(newKeyId);
    expect(mode(ROOT_KEY_FILE)).toBe(0o600);
    expect(() => statSync(join(dataDir, NEXT_ROOT_KEY_FILE))).toThrow();
    const rows = await database.db.select().from(sealedSecrets);
    expect(rows.every((r) => r.rootKeyId === newKeyId)).toBe(true);
  });

  it('opens every value with the new key alone, and none with the old key alone', async () => {
    const newKey = keyFile(ROOT_KEY_FILE);
    expect(await openAll(onlyKey(newKey))).toEqual(values);
    for (const id of values.keys()) {
      const row = await findSealed(database.db, id, 1);
      expect(() => onlyKey(oldKey).open(id, 1, row!)).toThrow(KeyringError);
      // Even an old key presented under the new key's id cannot unwrap the data keys.
      expect(() => onlyKey({ id: newKey.id, key: oldKey.key }).open(id, 1, row!)).toThrow(KeyringError);
    }
  });

  it('records the start of each run and one finish in the audit log, with the chain intact', async () => {
    const kinds = (await listAudit(database.db, { kind: 'root-key.*', limit: 100 })).map((r) => r.kind);
    expect(kinds).toEqual(['root-key.rotation-start', 'root-key.rotation-start', 'root-key.rotation-finish']);
    expect((await verifyAudit(database.db)).problems).toEqual([]);
  });

  it('starts a fresh rotation when run after one finished, re-wrapping every value under another new key', async () => {
    const fileKeys = openFileRootKeys(dataDir);
    const before = keyFile(ROOT_KEY_FILE).id;
    const result = await rotateRootKey({
      database,
      keyring: createKeyring(fileKeys),
      fileKeys,
      actor: 'test',
    });
    expect(result.rewrapped).toBe(values.size);
    expect(result.rootKeyId).not.toBe(before);
    expect(await openAll(onlyKey(keyFile(ROOT_KEY_FILE)))).toEqual(values);
  });
});

describe('tampering with sealed values', () => {
  it('refuses a stored ciphertext with one flipped byte instead of returning wrong plaintext', async () => {
    const keyring = onlyKey(keyFile(ROOT_KEY_FILE));
    const row = await findSealed(database.db, 'sec_rotate0', 1);
    const raw = Buffer.from(row!.ciphertext, 'base64');
    raw[0] = raw[0]! ^ 0x80;
    await database.db
      .update(sealedSecrets)
      .set({ ciphertext: raw.toString('base64') })
      .where(and(eq(sealedSecrets.id, 'sec_rotate0'), eq(sealedSecrets.version, 1)));
    const tampered = await findSealed(database.db, 'sec_rotate0', 1);
    expect(() => keyring.open('sec_rotate0', 1, tampered!)).toThrow(KeyringError);
    expect(() => keyring.open('sec_rotate0', 1, tampered!)).toThrow(/failed its integrity check/);
  });

  it('refuses to open with the wrong root key', async () => {
    const row = await findSealed(database.db, 'sec_rotate1', 1);
    const wrong = rootKeyFrom(Buffer.alloc(32, 7));
    expect(() => onlyKey({ id: row!.rootKeyId, key: wrong.key }).open('sec_rotate1', 1, row!)).toThrow(
      KeyringError,
    );
  });

  it('refuses to re-wrap a value whose wrapped data key was tampered with', async () => {
    const current = keyFile(ROOT_KEY_FILE);
    const row = await findSealed(database.db, 'sec_rotate2', 1);
    const raw = Buffer.from(row!.wrappedKey, 'base64');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 0x01;
    const next = rootKeyFrom(Buffer.alloc(32, 9));
    const rotating = createKeyring({
      current: () => next,
      find: (id) => (id === current.id ? current : id === next.id ? next : undefined),
    });
    expect(() => rotating.rewrap('sec_rotate2', 1, { ...row!, wrappedKey: raw.toString('base64') })).toThrow(
      KeyringError,
    );
  });
});
