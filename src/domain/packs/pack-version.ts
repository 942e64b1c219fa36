// Pack versions: dotted numeric versions of one to four parts (1.0.2.0), compared part by part.

export const PACK_VERSION_PATTERN = /^\d{1,9}(\.\d{1,9}){0,3}$/;

export function isPackVersion(text: string): boolean {
  return PACK_VERSION_PATTERN.test(text);
}

/** Missing parts count as zero, so 1.0 equals 1.0.0.0. Throws on text that is not a version. */
export function parsePackVersion(text: string): [number, number, number, number] {
  if (!isPackVersion(text)) throw new Error(`'${text}' is not a dotted numeric version`);
  const parts = text.split('.').map(Number);
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 0];
}

/** Negative when a is older than b, zero when equal, positive when a is newer. */
export function compareVersions(a: string, b: string): number {
  const x = parsePackVersion(a);
  const y = parsePackVersion(b);
  for (let i = 0; i < 4; i++) {
    const d = x[i]! - y[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
