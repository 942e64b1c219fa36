// Sealing off the main thread: the values of an answer go to one worker thread, which seals them (one ECDH, then
// AES-GCM per value) while the main thread takes other requests — on a machine with a core to spare, a fleet
// reconnecting at once is answered that much sooner. Inline sealing (`sealInline`) does the same on the caller's
// thread; both are a `Sealing`.
import { Worker } from 'node:worker_threads';
import { importPublicKey, type SealedEnvelope, sealValues } from './agent-keys.js';
import type { SealAnswer, SealRequest } from './sealing-worker.js';

/**
 * Seals each value (with its associated data) to `recipient` — an X25519 public key as SPKI DER base64url, the
 * form agents register — all under one ephemeral key. The key is imported where the values are sealed.
 */
export interface Sealing {
  seal(recipient: string, values: { plaintext: string; aad: string }[]): Promise<SealedEnvelope[]>;
  close(): Promise<void>;
}

export const sealInline: Sealing = {
  seal: async (recipient, values) => sealValues(importPublicKey(recipient, 'x25519'), values),
  close: async () => {},
};

/** The compiled entry beside this module (`dist/crypto/sealing-worker.js`). */
const BUILT_ENTRY = new URL('./sealing-worker.js', import.meta.url);

/**
 * One worker thread, started at the first seal and again after it ends unexpectedly (the answers it owed fail,
 * and their requests with them). `entry` is the worker's compiled script; the default is the one beside this
 * module.
 */
export function createSealingThread(entry: URL = BUILT_ENTRY): Sealing {
  let worker: Worker | undefined;
  let next = 0;
  const owed = new Map<number, { ok: (e: SealedEnvelope[]) => void; fail: (err: Error) => void }>();

  const failOwed = (err: Error) => {
    for (const o of owed.values()) o.fail(err);
    owed.clear();
  };

  function started(): Worker {
    if (worker) return worker;
    const w = new Worker(entry);
    w.on('message', (a: SealAnswer) => {
      const o = owed.get(a.id);
      owed.delete(a.id);
      if ('error' in a) o?.fail(new Error(`sealing failed: ${a.error}`));
      else o?.ok(a.envelopes);
    });
    // Only the thread in use fails what is owed when it ends: a closed one failed it already, and what is owed
    // now is its successor's.
    const ended = (why: string) => {
      if (worker !== w) return;
      worker = undefined;
      failOwed(new Error(why));
    };
    w.on('error', (err) => ended(`the sealing thread failed: ${err.message}`));
    w.on('exit', () => ended('the sealing thread ended'));
    // Idle, it keeps nothing alive.
    w.unref();
    worker = w;
    return w;
  }

  return {
    seal(recipient, values) {
      return new Promise((ok, fail) => {
        const id = next++;
        owed.set(id, { ok, fail });
        const request: SealRequest = { id, recipient, values };
        try {
          started().postMessage(request);
        } catch (err) {
          owed.delete(id);
          fail(err as Error);
        }
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      // What it owes fails now, whatever the thread still answers before it stops.
      failOwed(new Error('the sealing thread was closed'));
      await w?.terminate();
    },
  };
}
