// Captures a child's stdout or stderr up to a byte cap (reading on so the child never blocks) and redacts secrets.
import { StringDecoder } from 'node:string_decoder';

export const DEFAULT_OUTPUT_CAP_BYTES = 1024 * 1024;
export const REDACTED = '[redacted]';

export type OutputCollector = {
  /** Keeps the chunk's bytes up to the cap; bytes past the cap are counted and dropped. */
  push(chunk: Buffer): void;
  /** Bytes the child wrote to the stream, kept or not. */
  readonly totalBytes: number;
  readonly truncated: boolean;
  /** The kept bytes as UTF-8; an incomplete character cut by the cap is left out. */
  text(): string;
};

export function createOutputCollector(capBytes: number): OutputCollector {
  if (!Number.isInteger(capBytes) || capBytes < 0)
    throw new RangeError('outputCapBytes must be an integer ≥ 0');
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let totalBytes = 0;
  return {
    push(chunk) {
      totalBytes += chunk.length;
      const room = capBytes - keptBytes;
      if (room <= 0) return;
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      kept.push(part);
      keptBytes += part.length;
    },
    get totalBytes() {
      return totalBytes;
    },
    get truncated() {
      return totalBytes > capBytes;
    },
    text() {
      // write() without end() holds back a trailing incomplete UTF-8 sequence instead of emitting U+FFFD.
      return new StringDecoder('utf8').write(Buffer.concat(kept, keptBytes));
    },
  };
}

/**
 * Replaces every occurrence of each secret with `[redacted]`, longest secret first. When the text was cut
 * by the cap, a tail that is the beginning of a secret is redacted too, so a secret split by the cut does
 * not leak its first characters.
 */
export function redactSecrets(text: string, secrets: readonly string[], truncated: boolean): string {
  const ordered = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of ordered) out = out.split(secret).join(REDACTED);
  if (truncated) {
    let longestTail = 0;
    for (const secret of ordered) {
      for (let k = Math.min(secret.length - 1, out.length); k > longestTail; k--) {
        if (out.endsWith(secret.slice(0, k))) {
          longestTail = k;
          break;
        }
      }
    }
    if (longestTail > 0) out = out.slice(0, out.length - longestTail) + REDACTED;
  }
  return out;
}
