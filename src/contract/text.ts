// Text every part of Steward can hold: no NUL character and no unpaired UTF-16 surrogate.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Why a string cannot be stored or compared as text, or undefined when it can. */
export function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'must not contain an unpaired UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

/**
 * A program's output is data from anywhere and is kept, not refused: NUL is shown as ␀ (U+2400)
 * and an unpaired surrogate as � (U+FFFD), so what was there stays visible.
 */
export function storableOutput(s: string): string {
  return s.replaceAll('\u0000', '\u2400').replace(LONE_SURROGATES, '\ufffd');
}

const utf8 = new TextEncoder();

/** The length of `s` in UTF-8 bytes; works in the browser as on the server (no `Buffer`). */
export const utf8Length = (s: string): number => utf8.encode(s).length;

/**
 * How many bytes base64 text decodes to, as Node's decoder counts them: every character of the alphabet
 * carries six bits; padding and line breaks carry none. Works in the browser as on the server.
 */
export function base64DecodedLength(v: string): number {
  let chars = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47)
      chars++;
  }
  return Math.floor((chars * 3) / 4);
}
