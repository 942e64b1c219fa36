// Which subscriptions an alert matches, found through an index on their criteria instead of a scan of them all.
// For each kind of condition — severity, priority, resolution state, workflow, class, group — the index keeps,
// as bit sets over the subscriptions, those that put no such condition and, per value, those that accept it. An
// alert's matches are the intersection of what each of its values allows (a class allows through every class it
// derives from, an object through every group that contains it), word by word. Text narrows the same way before it
// is tried: a text that must equal something, by that folded text; a pattern, by the first three characters of
// its longest literal, which the alert's text must contain. The subscriptions left that have text conditions are
// then tried one by one, on their text alone.
import type { NotificationAlert } from './alert.js';
import { type CriteriaContext, fieldText, type SubscriptionCriteria, type TextField } from './criteria.js';
import { conditionLiteral, foldedText, type TextMatcher, textMatcher } from './text-match.js';

/** The inventory answers the index asks besides those of the criteria. */
export interface IndexContext extends CriteriaContext {
  /** The class and every class it derives from. */
  classAndAncestors(classId: string): Iterable<string>;
  /** Every group that contains the object (directly, through nested groups or its host). */
  groupsOf(objectId: string): Iterable<string>;
}

export interface Indexable {
  id: string;
  criteria: SubscriptionCriteria;
}

// Int32 words: values stay small integers to the engine (unsigned ones above 2^31 would not).
type Bits = Int32Array;

/** Masks kept per kind of condition at most: each is a bit set over all the subscriptions. */
const MASKS_KEPT = 1024;

/**
 * One kind of condition: who puts none (a bit set), and who accepts each value (a list of positions: most values
 * are accepted by few subscriptions, so setting their bits costs less than or-ing a whole set).
 */
class Dimension<V> {
  readonly open: Bits;
  readonly byValue = new Map<V, number[]>();
  /** Per value asked for: those with no condition or accepting it, as one bit set (made on first use). */
  private readonly masks = new Map<V, Bits>();
  constructor(words: number) {
    this.open = new Int32Array(words);
  }
  file(i: number, values: readonly V[] | undefined) {
    if (!values?.length) {
      set(this.open, i);
      return;
    }
    for (const v of values) {
      const list = this.byValue.get(v);
      if (!list) this.byValue.set(v, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
  }
  /** Those with no condition or accepting `value`: a bit set not to be changed. */
  mask(value: V): Bits {
    const list = this.byValue.get(value);
    if (!list) return this.open;
    let m = this.masks.get(value);
    if (!m) {
      if (this.masks.size >= MASKS_KEPT) this.masks.clear();
      m = Int32Array.from(this.open);
      for (const i of list) m[i >>> 5]! |= 1 << (i & 31);
      this.masks.set(value, m);
    }
    return m;
  }
  /**
   * Those with no condition or accepting `value` or any of `also`, kept per value while its `also` stays the same
   * (compared one by one on each use): a class's line of descent is asked for on every alert about the class.
   */
  maskWith(value: V, also: Iterable<V>): Bits {
    const listed = Array.isArray(also) ? (also as readonly V[]) : [...also];
    const kept = this.withKept.get(value);
    if (kept && kept.also.length === listed.length) {
      let same = true;
      for (let k = 0; k < listed.length; k++)
        if (kept.also[k] !== listed[k]) {
          same = false;
          break;
        }
      if (same) return kept.mask;
    }
    if (this.withKept.size >= MASKS_KEPT) this.withKept.clear();
    const mask = this.maskOfAny([value, ...listed], new Int32Array(this.open.length));
    this.withKept.set(value, { also: listed.slice(), mask });
    return mask;
  }
  private readonly withKept = new Map<V, { also: readonly V[]; mask: Bits }>();
  /** Those with no condition or accepting any of `values`, written into `into`. */
  maskOfAny(values: Iterable<V>, into: Bits): Bits {
    into.set(this.open);
    for (const v of values) {
      const list = this.byValue.get(v);
      if (list) for (const i of list) into[i >>> 5]! |= 1 << (i & 31);
    }
    return into;
  }
  /** Whether some subscription puts a condition of this kind. */
  get used() {
    return this.byValue.size > 0;
  }
}

/** Literal text shorter than this does not narrow: too many texts contain it. */
const GRAM = 3;

/** Every run of GRAM code units of the text. */
function* gramsOf(text: string): Generator<string> {
  for (let at = 0; at + GRAM <= text.length; at++) yield text.slice(at, at + GRAM);
}

/** Those of the grams the text contains. */
function* gramsIn(grams: Iterable<string>, text: string): Generator<string> {
  for (const g of grams) if (text.includes(g)) yield g;
}

const set = (bits: Bits, i: number) => {
  bits[i >>> 5]! |= 1 << (i & 31);
};

export function createSubscriptionIndex<S extends Indexable>(subscriptions: readonly S[]) {
  const n = subscriptions.length;
  const words = Math.ceil(n / 32);
  const severity = new Dimension<string>(words);
  const priority = new Dimension<string>(words);
  const resolution = new Dimension<number>(words);
  const workflow = new Dimension<string>(words);
  const klass = new Dimension<string>(words);
  const group = new Dimension<string>(words);
  /** Per field: subscriptions that need it to equal a text, and those that need it to contain a literal. */
  const equalsBy = new Map<TextField, Dimension<string>>();
  const gramsBy = new Map<TextField, Dimension<string>>();
  const dimensionOf = (m: Map<TextField, Dimension<string>>, field: TextField) => {
    let d = m.get(field);
    if (!d) {
      d = new Dimension<string>(words);
      m.set(field, d);
    }
    return d;
  };
  const all = new Int32Array(words);
  /**
   * The distinct text conditions to try (field and compiled matcher), and per subscription with any, their
   * numbers: many subscriptions share a condition, tried once per alert.
   */
  const conditions: { field: TextField; holds: TextMatcher }[] = [];
  const conditionNumber = new Map<string, number>();
  const textChecks: (number[] | undefined)[] = new Array(n);
  /** Subscriptions taken whether they match or not, for one call. */
  const forced = new Uint8Array(n);
  const position = new Map<string, number>();
  subscriptions.forEach((s, i) => {
    const c = s.criteria;
    severity.file(i, c.severities);
    priority.file(i, c.priorities);
    resolution.file(i, c.resolutionStates);
    workflow.file(i, c.workflowIds);
    klass.file(i, c.classIds);
    group.file(i, c.groupIds);
    set(all, i);
    // A field's only `equals` condition is settled by its bit set (filed under that folded text alone): what
    // its matcher would compare is what the set was looked up by. The other conditions are tried.
    const unsettled = (c.text ?? []).filter(
      (t) => t.op !== 'equals' || c.text!.some((u) => u !== t && u.op === 'equals' && u.field === t.field),
    );
    if (unsettled.length)
      textChecks[i] = unsettled.map((t) => {
        const key = `${t.field}\u0000${t.op}\u0000${t.value}`;
        let k = conditionNumber.get(key);
        if (k === undefined) {
          k = conditions.push({ field: t.field, holds: textMatcher(t.op, t.value) }) - 1;
          conditionNumber.set(key, k);
        }
        return k;
      });
    for (const t of c.text ?? []) {
      if (t.op === 'equals') dimensionOf(equalsBy, t.field);
      else if (conditionLiteral(t.op, t.value).length >= GRAM) dimensionOf(gramsBy, t.field);
    }
    position.set(s.id, i);
  });
  // Each field's text dimensions once every subscription is known, so each files every subscription (open or not).
  subscriptions.forEach((s, i) => {
    const text = s.criteria.text ?? [];
    for (const [field, d] of equalsBy)
      d.file(
        i,
        text
          .filter((t) => t.field === field && t.op === 'equals')
          .map((t) => conditionLiteral('equals', t.value)),
      );
    for (const [field, d] of gramsBy) {
      const literals = text
        .filter((t) => t.field === field && t.op !== 'equals')
        .map((t) => conditionLiteral(t.op, t.value))
        .filter((l) => l.length >= GRAM)
        .sort((a, b) => b.length - a.length);
      d.file(i, literals.length ? [literals[0]!.slice(0, GRAM)] : []);
    }
  });
  const result = new Int32Array(words);
  /** Bit sets for the kinds of condition an alert brings several values to (ancestors, groups, grams). */
  const scratch = Array.from({ length: 2 + gramsBy.size }, () => new Int32Array(words));
  const masks: Bits[] = [];

  /**
   * Those whose severity, priority and resolution state conditions the alert meets, as one bit set per
   * combination of the three (they are few), made on first use from the three.
   */
  const levels = new Map<string, Bits>();
  function levelsMask(alert: NotificationAlert): Bits {
    const key = `${alert.severity}\u0000${alert.priority}\u0000${alert.resolutionState}`;
    let m = levels.get(key);
    if (!m) {
      if (levels.size >= MASKS_KEPT) levels.clear();
      m = Int32Array.from(all);
      for (const d of [
        severity.mask(alert.severity),
        priority.mask(alert.priority),
        resolution.mask(alert.resolutionState),
      ])
        for (let w = 0; w < words; w++) m[w]! &= d[w]!;
      levels.set(key, m);
    }
    return m;
  }

  /**
   * The subscriptions the alert matches, as bits in `result`: per kind of condition in use, the set of those that
   * put none or accept one of the alert's values; all of them and-ed word by word in one pass.
   */
  function match(alert: NotificationAlert, ctx: IndexContext) {
    masks.length = 0;
    if (severity.used || priority.used || resolution.used) masks.push(levelsMask(alert));
    if (workflow.used)
      masks.push(alert.workflowId === null ? workflow.open : workflow.mask(alert.workflowId));
    if (klass.used) {
      const cls = alert.sourceClassId;
      masks.push(cls === null ? klass.open : klass.maskWith(cls, ctx.classAndAncestors(cls)));
    }
    if (group.used) {
      const obj = alert.sourceObjectId;
      masks.push(obj === null ? group.open : group.maskOfAny(ctx.groupsOf(obj), scratch[1]!));
    }
    for (const [field, d] of equalsBy) masks.push(d.mask(foldedText(fieldText(alert, field))));
    let k = 2;
    for (const [field, d] of gramsBy) {
      const text = foldedText(fieldText(alert, field));
      // The text's grams, or the grams filed when they are fewer (a few keywords against a long name).
      const grams = d.byValue.size < text.length - GRAM + 1 ? gramsIn(d.byValue.keys(), text) : gramsOf(text);
      masks.push(d.maskOfAny(grams, scratch[k++]!));
    }
    result.set(masks[0] ?? all);
    for (let k = 1; k < masks.length; k++) {
      const m = masks[k]!;
      for (let w = 0; w < words; w++) result[w]! &= m[w]!;
    }
  }

  /** Per condition, the alert it was last tried on (a call's number) and whether it held. */
  const triedFor = new Int32Array(conditions.length);
  const held = new Uint8Array(conditions.length);
  let call = 0;

  function textHolds(checks: number[], alert: NotificationAlert) {
    for (const k of checks) {
      if (triedFor[k] !== call) {
        const c = conditions[k]!;
        triedFor[k] = call;
        held[k] = c.holds(fieldText(alert, c.field)) ? 1 : 0;
      }
      if (held[k] === 0) return false;
    }
    return true;
  }

  /** Each subscription whose bit is set, in the order given, those with text only when their text holds. */
  function collect(alert: NotificationAlert, also: Iterable<string>): S[] {
    // A new number per call; after the last, every condition is marked untried again.
    if (call === 0x7fffffff) {
      triedFor.fill(0);
      call = 0;
    }
    call++;
    for (const id of also) {
      const i = position.get(id);
      if (i !== undefined) {
        set(result, i);
        forced[i] = 1;
      }
    }
    const out: S[] = [];
    for (let w = 0; w < words; w++) {
      let word = result[w]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        word &= word - 1;
        const i = w * 32 + bit;
        const s = subscriptions[i]!;
        if (forced[i]) forced[i] = 0;
        else {
          const checks = textChecks[i];
          if (checks !== undefined && !textHolds(checks, alert)) continue;
        }
        out.push(s);
      }
    }
    return out;
  }

  return {
    size: n,

    /** The subscriptions whose criteria the alert meets (R43), in the order they were given. */
    matching(alert: NotificationAlert, ctx: IndexContext): S[] {
      match(alert, ctx);
      return collect(alert, []);
    },

    /**
     * The subscriptions the alert matches, and those of the ids in `also` the index holds whether they match or
     * not (a subscription that remembers the alert must hear that it stopped matching), in the order given.
     */
    candidates(alert: NotificationAlert, ctx: IndexContext, also: Iterable<string> = []): S[] {
      match(alert, ctx);
      return collect(alert, also);
    },
  };
}

export type SubscriptionIndex<S extends Indexable> = ReturnType<typeof createSubscriptionIndex<S>>;
