// Property conditions of dynamic group rules: eq, ne, like (with * wildcards), gt, lt and exists.

export type Scalar = string | number | boolean;

export type Condition =
  | { property: string; op: 'eq' | 'ne'; value: Scalar }
  | { property: string; op: 'like'; value: string }
  | { property: string; op: 'gt' | 'lt'; value: string | number }
  | { property: string; op: 'exists' };

export interface ConditionSubject {
  name: string;
  displayName: string;
  properties: Readonly<Record<string, unknown>>;
}

/** The value a condition reads: a property, else the object's own `name` or `displayName`. */
export function conditionValue(subject: ConditionSubject, property: string): unknown {
  const v = subject.properties[property];
  if (v !== undefined && v !== null) return v;
  if (property === 'name') return subject.name;
  if (property === 'displayName') return subject.displayName;
  return undefined;
}

const text = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);

const numeric = (v: unknown): number | undefined => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
};

const likeCache = new Map<string, RegExp>();

/** `*` matches any run of characters; everything else is literal; case does not matter. */
export function likePattern(pattern: string): RegExp {
  let re = likeCache.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`, 'is');
    if (likeCache.size > 1000) likeCache.clear();
    likeCache.set(pattern, re);
  }
  return re;
}

function compare(a: unknown, b: Scalar): number {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  const ta = text(a);
  const tb = text(b);
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

export function matchesCondition(subject: ConditionSubject, c: Condition): boolean {
  const v = conditionValue(subject, c.property);
  if (v === undefined) return false;
  switch (c.op) {
    case 'exists':
      return true;
    case 'eq':
      return text(v).toLowerCase() === text(c.value).toLowerCase();
    case 'ne':
      return text(v).toLowerCase() !== text(c.value).toLowerCase();
    case 'like':
      return likePattern(c.value).test(text(v));
    case 'gt':
      return compare(v, c.value) > 0;
    case 'lt':
      return compare(v, c.value) < 0;
  }
}

export const matchesAll = (subject: ConditionSubject, conditions: readonly Condition[]) =>
  conditions.every((c) => matchesCondition(subject, c));
