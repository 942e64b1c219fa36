// Proves the text matcher of conditions on its own: anchored and case-insensitive, the same answers as a plain
// dynamic-programming reference on random patterns and texts, and Unicode case folding as a `/iu` expression does it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type TextOperator, textMatcher } from './text-match.js';

describe('textMatcher', () => {
  it('compiles a pattern to an anchored, case-insensitive matcher', () => {
    const like = textMatcher('like', 'a*b');
    expect(like('AxxB')).toBe(true);
    expect(like('xAxxB')).toBe(false);
  });

  it('agrees with a dynamic-programming reference on random short patterns and texts', () => {
    const chars = ['a', 'A', 'b', 's', 'S', 'ſ', 'ß', '😀', '\uD83D', '\n'];
    const text = fc
      .array(fc.constantFrom(...chars, '*', '?', '\\'), { maxLength: 10 })
      .map((c) => c.join(''));
    const pattern = fc
      .array(fc.constantFrom(...chars, '*', '*', '?', '\\', '\\*', '\\?', '\\\\'), { maxLength: 8 })
      .map((c) => c.join(''));
    const op = fc.constantFrom<TextOperator>('equals', 'like', 'contains');
    fc.assert(
      fc.property(op, pattern, text, (o, p, t) => {
        expect(textMatcher(o, p)(t)).toBe(reference(o, p, t));
      }),
      { numRuns: 3_000 },
    );
  });

  it('folds case exactly as a case-insensitive Unicode expression does', () => {
    // Every code point whose case mapping does something, and whatever it maps to.
    const cased = new Set<string>();
    for (let cp = 0; cp <= 0x1ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      for (const m of [c, c.toLowerCase(), c.toUpperCase(), c.toUpperCase().toLowerCase()])
        if (m !== c || c.toLowerCase() !== c || c.toUpperCase() !== c)
          if (Array.from(m).length === 1) cased.add(m);
    }
    const all = [...cased].join('');
    const mismatches: string[] = [];
    for (const c of cased) {
      const same = new Set(Array.from(all.matchAll(new RegExp(escapeRegExp(c), 'giu')), (m) => m[0]));
      const related = new Set([...same, c.toLowerCase(), c.toUpperCase(), c.toUpperCase().toLowerCase()]);
      for (const d of related)
        if (Array.from(d).length === 1 && textMatcher('equals', c)(d) !== same.has(d))
          mismatches.push(`${c} ${d}`);
    }
    expect(mismatches).toEqual([]);
  });
});

const escapeRegExp = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Case-insensitive equality of two code points, as a one-character `/iu` expression decides it. */
const sameCaseless = (a: string, b: string) => new RegExp(`^${escapeRegExp(a)}$`, 'iu').test(b);

type RefToken = { star: true } | { any: true } | { char: string };

/** The operator's semantics, written plainly: tokens by code point, then a table of prefix matches. */
function reference(op: TextOperator, value: string, text: string): boolean {
  const chars = Array.from(value);
  const tokens: RefToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const next = chars[i + 1];
    if (op === 'equals') tokens.push({ char: c });
    else if (c === '\\' && next !== undefined && '*?\\'.includes(next)) {
      tokens.push({ char: next });
      i++;
    } else if (c === '*') tokens.push({ star: true });
    else if (c === '?') tokens.push({ any: true });
    else tokens.push({ char: c });
  }
  const whole = (t: string[]) => {
    // fits[i][j]: the first i tokens match the first j code points.
    const fits = Array.from({ length: tokens.length + 1 }, () =>
      new Array<boolean>(t.length + 1).fill(false),
    );
    fits[0]![0] = true;
    for (let i = 1; i <= tokens.length; i++) {
      const token = tokens[i - 1]!;
      for (let j = 0; j <= t.length; j++) {
        if ('star' in token) fits[i]![j] = fits[i - 1]![j]! || (j > 0 && fits[i]![j - 1]!);
        else if (j > 0 && ('any' in token || sameCaseless(token.char, t[j - 1]!)))
          fits[i]![j] = fits[i - 1]![j - 1]!;
      }
    }
    return fits[tokens.length]![t.length]!;
  };
  const t = Array.from(text);
  if (op !== 'contains') return whole(t);
  for (let from = 0; from <= t.length; from++)
    for (let to = from; to <= t.length; to++) if (whole(t.slice(from, to))) return true;
  return false;
}
