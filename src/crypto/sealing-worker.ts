// The sealing thread's entry: seals the values of one answer to one recipient, as `sealerTo` does, off the main
// thread of the server, which meanwhile takes the next requests.
import { parentPort } from 'node:worker_threads';
import { importPublicKey, type SealedEnvelope, sealValues } from './agent-keys.js';

export interface SealRequest {
  id: number;
  /** SPKI DER base64url of the recipient's X25519 key. */
  recipient: string;
  values: { plaintext: string; aad: string }[];
}

export type SealAnswer = { id: number; envelopes: SealedEnvelope[] } | { id: number; error: string };

parentPort?.on('message', ({ id, recipient, values }: SealRequest) => {
  let answer: SealAnswer;
  try {
    answer = { id, envelopes: sealValues(importPublicKey(recipient, 'x25519'), values) };
  } catch (err) {
    // The message of a crypto error names no value sealed.
    answer = { id, error: (err as Error).message };
  }
  parentPort?.postMessage(answer);
});
