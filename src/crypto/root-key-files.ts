// Root keys on disk or in the environment: created on first start (mode 0600), rotated through a `.next` file.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { generateRootKey, type RootKey, type RootKeySource, rootKeyFrom } from './keyring.js';

export const ROOT_KEY_FILE = 'root.key';
export const NEXT_ROOT_KEY_FILE = 'root.key.next';

function readKeyFile(path: string): RootKey {
  const text = readFileSync(path, 'utf8').trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error(`The root key file ${path} does not hold a 32-byte base64 key.`);
  return rootKeyFrom(key);
}

/** Writes a key file with mode 0600 and syncs it before returning: a crash never leaves half a key. */
function writeKeyFile(path: string, key: RootKey): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${key.key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export interface FileRootKeys extends RootKeySource {
  /** True when the key file was made by this call (first start). */
  readonly created: boolean;
  /** Starts (or resumes) a rotation: a `.next` key that every new seal uses from now on. */
  beginRotation(): RootKey;
  /** Ends a rotation: the `.next` key becomes the root key and the old one is gone. */
  finishRotation(): void;
  rotationInProgress(): boolean;
}

export function openFileRootKeys(dataDir: string): FileRootKeys {
  const mainPath = join(dataDir, ROOT_KEY_FILE);
  const nextPath = join(dataDir, NEXT_ROOT_KEY_FILE);
  let created = false;
  if (!existsSync(mainPath)) {
    writeKeyFile(mainPath, generateRootKey());
    created = true;
  }
  const cache = new Map<string, RootKey>();
  const load = (path: string) => {
    const k = readKeyFile(path);
    cache.set(k.id, k);
    return k;
  };
  load(mainPath);
  return {
    created,
    // A rotation may start in another process: look for the `.next` file at every seal (rare).
    current: () => (existsSync(nextPath) ? load(nextPath) : load(mainPath)),
    find(id) {
      if (!cache.has(id)) {
        if (existsSync(nextPath)) load(nextPath);
        if (existsSync(mainPath)) load(mainPath);
      }
      return cache.get(id);
    },
    beginRotation() {
      if (existsSync(nextPath)) return load(nextPath);
      const k = generateRootKey();
      writeKeyFile(nextPath, k);
      cache.set(k.id, k);
      return k;
    },
    finishRotation() {
      if (existsSync(nextPath)) renameSync(nextPath, mainPath);
    },
    rotationInProgress: () => existsSync(nextPath),
  };
}

/** Keys from the environment: the current one, and the previous one while a rotation re-wraps. */
export function envRootKeys(current: string, previous?: string): RootKeySource {
  const cur = rootKeyFrom(Buffer.from(current, 'base64'));
  const prev = previous ? rootKeyFrom(Buffer.from(previous, 'base64')) : undefined;
  return {
    current: () => cur,
    find: (id) => (id === cur.id ? cur : id === prev?.id ? prev : undefined),
  };
}
