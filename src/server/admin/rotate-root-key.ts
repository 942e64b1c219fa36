// Root-key rotation: re-wraps every data key under the new root key in small committed batches.
// Safe to interrupt and re-run: each batch commits on its own, and rows already re-wrapped are skipped.
import type { Keyring } from '../../crypto/keyring.js';
import type { FileRootKeys } from '../../crypto/root-key-files.js';
import type { Database } from '../../store/db.js';
import { appendAudit, useAuditChainKeys } from '../modules/audit/audit-repo.js';
import {
  countNotUnderKey,
  listNotUnderKey,
  replaceWrappedKey,
} from '../modules/secrets/sealed-secrets-repo.js';

export interface RotationProgress {
  done: number;
  total: number;
}

export interface RotationResult {
  rootKeyId: string;
  rewrapped: number;
  /** True when the `.next` key file replaced the old key file (key-file mode only). */
  promoted: boolean;
}

/**
 * With a key file: starts (or resumes) a rotation to a new key, re-wraps, then promotes the new key.
 * With STEWARD_ROOT_KEY: re-wraps everything still under STEWARD_PREVIOUS_ROOT_KEY to the current key.
 */
export async function rotateRootKey(opts: {
  database: Database;
  keyring: Keyring;
  fileKeys: FileRootKeys | undefined;
  actor: string;
  batchSize?: number;
  onProgress?: (p: RotationProgress) => void;
  /** Test hook: stop after this many batches, as a crash would. */
  stopAfterBatches?: number;
}): Promise<RotationResult> {
  const { database, keyring, fileKeys } = opts;
  useAuditChainKeys(keyring);
  const batchSize = opts.batchSize ?? 200;
  const target = fileKeys ? fileKeys.beginRotation().id : keyring.currentKeyId();
  const total = await countNotUnderKey(database.db, target);
  let done = 0;
  let batches = 0;
  await database.db.transaction((tx) =>
    appendAudit(tx, {
      actor: opts.actor,
      kind: 'root-key.rotation-start',
      target,
      details: { pending: total },
    }),
  );
  for (;;) {
    const rows = await listNotUnderKey(database.db, target, batchSize);
    if (rows.length === 0) break;
    await database.db.transaction(async (tx) => {
      for (const row of rows) {
        const rewrapped = keyring.rewrap(row.id, row.version, row);
        await replaceWrappedKey(tx, row, rewrapped);
      }
    });
    done += rows.length;
    batches++;
    opts.onProgress?.({ done, total: Math.max(total, done) });
    if (opts.stopAfterBatches !== undefined && batches >= opts.stopAfterBatches) {
      return { rootKeyId: target, rewrapped: done, promoted: false };
    }
  }
  if (fileKeys) fileKeys.finishRotation();
  await database.db.transaction((tx) =>
    appendAudit(tx, {
      actor: opts.actor,
      kind: 'root-key.rotation-finish',
      target,
      details: { rewrapped: done },
    }),
  );
  return { rootKeyId: target, rewrapped: done, promoted: Boolean(fileKeys) };
}
