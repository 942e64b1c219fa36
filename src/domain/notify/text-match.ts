// Text conditions' operators and their matching: case-insensitive, with wildcards, and no regular expressions.
/**
 * `equals`: the whole text, ignoring case. `like`: the whole text against a wildcard pattern (`*` any run of
 * characters, `?` exactly one, `\*` `\?` `\\` literal), ignoring case. `contains`: like, anywhere in the text.
 * There is deliberately no negation ("not equal", "not member of"): R43 does not support it.
 */
export const textOperators = ['equals', 'like', 'contains'] as const;
export type TextOperator = (typeof textOperators)[number];

/*
 * Text matching without regular expressions: a pattern is compiled once into folded code points and wildcard
 * tokens, and matched in O(text × pattern) at worst (a backtracking expression took exponential time on
 * patterns like `*a*a*a*a*!`, and the notifier runs in the server process).
 *
 * Case is ignored the way a `/iu` expression ignores it: two code points are equal when their simple Unicode
 * case foldings are (so `ſ` equals `s` and the Kelvin sign `k`, but `ß` does not equal `ss`).
 */

/**
 * Simple case foldings that differ from lower(upper(c)): `ı` folds to itself (only Turkic folding maps `I` to
 * it), and three pairs whose upper case is several code points.
 */
const foldExceptions = new Map<number, number>([
  [0x0131, 0x0131],
  [0x1fd3, 0x0390],
  [0x1fe3, 0x03b0],
  [0xfb05, 0xfb06],
]);

const singleCodePoint = (s: string): number | undefined => {
  const cp = s.codePointAt(0);
  return cp !== undefined && s.length === (cp > 0xffff ? 2 : 1) ? cp : undefined;
};

/** Folded non-ASCII code points; bounded, as alert texts may bring any of them. */
const foldCache = new Map<number, number>();

function foldCodePoint(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp;
  let folded = foldCache.get(cp);
  if (folded === undefined) {
    folded = foldExceptions.get(cp);
    if (folded === undefined) {
      const c = String.fromCodePoint(cp);
      const upper = singleCodePoint(c.toUpperCase());
      folded =
        (upper === undefined ? undefined : singleCodePoint(String.fromCodePoint(upper).toLowerCase())) ??
        singleCodePoint(c.toLowerCase()) ??
        cp;
    }
    if (foldCache.size >= 10_000) foldCache.clear();
    foldCache.set(cp, folded);
  }
  return folded;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function foldUncached(text: string): string {
  if (isAscii(text)) return text.toLowerCase();
  let out = '';
  for (const c of text) out += String.fromCodePoint(foldCodePoint(c.codePointAt(0) as number));
  return out;
}

// The notifier tests one alert against every subscription in turn, so the same few texts come again and again.
const recent = Array.from({ length: 4 }, () => ({ text: '', folded: '' }));
let nextRecent = 0;

/**
 * The text with every code point case-folded, as conditions compare it: a condition's literal occurs in the folded
 * text it matches.
 */
export function foldedText(text: string): string {
  for (const r of recent) if (r.text === text) return r.folded;
  const r = recent[nextRecent] as (typeof recent)[number];
  nextRecent = (nextRecent + 1) % recent.length;
  r.text = text;
  r.folded = foldUncached(text);
  return r.folded;
}

/** Pattern tokens: a folded code point (≥ 0), or one of these wildcards. */
const STAR = -1;
const ANY = -2;

/** `*` any run of code points, `?` exactly one, `\*` `\?` `\\` literal, a backslash before anything else itself. */
function tokenize(pattern: string): number[] {
  const chars = Array.from(pattern);
  const tokens: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    const next = chars[i + 1];
    if (c === '\\' && (next === '*' || next === '?' || next === '\\')) {
      tokens.push(foldCodePoint(next.codePointAt(0) as number));
      i++;
    } else if (c === '*') {
      if (tokens.at(-1) !== STAR) tokens.push(STAR);
    } else if (c === '?') tokens.push(ANY);
    else tokens.push(foldCodePoint(c.codePointAt(0) as number));
  }
  return tokens;
}

/**
 * Whether the tokens match the whole (folded) text, by code points. Two pointers; on a mismatch only the last
 * star is retried one code point further, since every earlier star can already absorb whatever that one would.
 */
function globMatch(tokens: Int32Array, text: string): boolean {
  let p = 0;
  let t = 0;
  let afterStar = -1;
  let starText = 0;
  while (t < text.length) {
    const token = p < tokens.length ? (tokens[p] as number) : undefined;
    const cp = text.codePointAt(t) as number;
    if (token === STAR) {
      afterStar = ++p;
      starText = t;
    } else if (token !== undefined && (token === ANY || token === cp)) {
      p++;
      t += cp > 0xffff ? 2 : 1;
    } else if (afterStar >= 0) {
      p = afterStar;
      starText += (text.codePointAt(starText) as number) > 0xffff ? 2 : 1;
      t = starText;
    } else return false;
  }
  while (p < tokens.length && tokens[p] === STAR) p++;
  return p === tokens.length;
}

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

export type TextMatcher = (text: string) => boolean;

/**
 * A matcher for the tokens. A literal, or a literal with a star before and/or after it, is compared as a
 * string (equality, `startsWith`, `endsWith`, `includes`) — unless the literal could meet half of a surrogate
 * pair at its edge, where a UTF-16 comparison would differ from a code-point one.
 */
function compileTokens(tokens: number[]): TextMatcher {
  const lead = tokens[0] === STAR;
  const trail = tokens.length > 1 && tokens.at(-1) === STAR;
  const inner = tokens.slice(lead ? 1 : 0, trail ? -1 : undefined);
  if (inner.every((t) => t >= 0)) {
    const literal = inner.map((cp) => String.fromCodePoint(cp)).join('');
    if (lead && literal === '') return () => true;
    const safeEdges =
      (!lead || !isLowSurrogate(literal.charCodeAt(0))) &&
      (!trail || !isHighSurrogate(literal.charCodeAt(literal.length - 1)));
    if (safeEdges) {
      if (lead && trail) return (text) => foldedText(text).includes(literal);
      if (lead) return (text) => foldedText(text).endsWith(literal);
      if (trail) return (text) => foldedText(text).startsWith(literal);
      return (text) => foldedText(text) === literal;
    }
  }
  const compiled = Int32Array.from(tokens);
  return (text) => globMatch(compiled, foldedText(text));
}

/**
 * The longest run of literal text (case-folded) that every text the condition matches contains; '' when the
 * pattern has none (`*`, `?`, …). `equals` matches exactly this text.
 */
export function conditionLiteral(op: TextOperator, value: string): string {
  const tokens =
    op === 'equals' ? Array.from(value, (c) => foldCodePoint(c.codePointAt(0) as number)) : tokenize(value);
  let best = '';
  let run = '';
  for (const t of tokens) {
    run = t >= 0 ? run + String.fromCodePoint(t) : '';
    if (run.length > best.length) best = run;
  }
  return best;
}

// Keyed by the value itself rather than a key built from operator and value: a string keeps its hash, so looking
// up the same condition again does not hash a new string each time.
const matchers: Record<TextOperator, Map<string, TextMatcher>> = {
  equals: new Map(),
  like: new Map(),
  contains: new Map(),
};

function compileTextMatcher(op: TextOperator, value: string): TextMatcher {
  if (op === 'equals')
    return compileTokens(Array.from(value, (c) => foldCodePoint(c.codePointAt(0) as number)));
  const tokens = tokenize(value);
  if (op === 'contains') {
    if (tokens[0] !== STAR) tokens.unshift(STAR);
    if (tokens.at(-1) !== STAR) tokens.push(STAR);
  }
  return compileTokens(tokens);
}

/**
 * A case-insensitive matcher for a text condition's value (see `TextOperator`), compiled once and cached:
 * the notifier tests each subscription's conditions against many alerts.
 */
export function textMatcher(op: TextOperator, value: string): TextMatcher {
  const cache = matchers[op];
  let matcher = cache.get(value);
  if (!matcher) {
    matcher = compileTextMatcher(op, value);
    if (cache.size >= 1000) cache.clear();
    cache.set(value, matcher);
  }
  return matcher;
}
