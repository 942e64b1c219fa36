// The packs Steward ships (packs/*.yaml): imported or upgraded at every start, a no-op when already current.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../../store/db.js';
import { AppError } from '../../errors.js';
import { createPacksService, type ImportOutcome } from './packs-service.js';

/** Same folder from `src/server/modules/packs` and from `dist/server/modules/packs`: the repo's packs/. */
const packsDir = fileURLToPath(new URL('../../../../packs/', import.meta.url));

/**
 * In import order: each after the packs it references. SCOM's libraries come first; Steward.Library,
 * whose classes derive from theirs, last. Steward.Library 1.x declared System.Entity, System.Computer
 * and a few other SCOM classes itself; System.Library takes them over on the first start after an
 * upgrade (a built-in pack may take an element over from another built-in pack).
 */
export const builtInPackFiles = [
  'system-library.yaml',
  'system-health-library.yaml',
  'microsoft-systemcenter-instancegroup-library.yaml',
  'microsoft-systemcenter-library.yaml',
  'microsoft-windows-library.yaml',
  'microsoft-windows-server-library.yaml',
  'microsoft-unix-library.yaml',
  'microsoft-linux-library.yaml',
  'steward-library.yaml',
  // Unsealed: where administrators make profiles for notification channels.
  'notifications-internal-library.yaml',
] as const;

export const readBuiltInPack = (file: (typeof builtInPackFiles)[number]) =>
  readFileSync(`${packsDir}${file}`, 'utf8');

/**
 * Imports each built-in pack, or upgrades it when Steward ships a newer version. Safe to run on
 * every start and on several servers at once (imports are serialised by an advisory lock).
 */
export async function ensureBuiltInPacks(db: Db): Promise<Record<string, ImportOutcome | 'newer-kept'>> {
  const packs = createPacksService({ db });
  const outcomes: Record<string, ImportOutcome | 'newer-kept'> = {};
  for (const file of builtInPackFiles) {
    try {
      const r = await packs.importPack('system', readBuiltInPack(file), 'yaml', { builtIn: true });
      outcomes[r.packId] = r.outcome;
    } catch (err) {
      // A database already upgraded by a newer Steward keeps its newer pack.
      if (err instanceof AppError && err.code === 'PACK_VERSION_OLDER') outcomes[file] = 'newer-kept';
      else throw err;
    }
  }
  return outcomes;
}
