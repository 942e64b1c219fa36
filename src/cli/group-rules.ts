// Parses `--rule` for dynamic group membership: `Class.Id;Prop=value;Prop~pat*;Prop>5;Prop?`, or a JSON rule.

import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { type Condition, type GroupRule, groupRuleSchema } from '../contract/inventory.js';

const ops: [token: string, op: Condition['op']][] = [
  ['!=', 'ne'],
  ['=', 'eq'],
  ['~', 'like'],
  ['>', 'gt'],
  ['<', 'lt'],
];

function parseCondition(text: string): Condition {
  const t = text.trim();
  if (t.endsWith('?')) return { property: t.slice(0, -1).trim(), op: 'exists' };
  let best: { at: number; token: string; op: Condition['op'] } | undefined;
  for (const [token, op] of ops) {
    const at = t.indexOf(token);
    // The operator that starts first wins; `!=` is tried before `=` so it is not read as `!` + `=`.
    if (at > 0 && (!best || at < best.at)) best = { at, token, op };
  }
  if (!best)
    throw new InvalidArgumentError(
      `'${t}' is not a condition (Prop=value, Prop!=value, Prop~pattern, Prop>n, Prop<n, Prop?).`,
    );
  const property = t.slice(0, best.at).trim();
  const raw = t.slice(best.at + best.token.length).trim();
  if (best.op === 'gt' || best.op === 'lt') {
    const n = Number(raw);
    return { property, op: best.op, value: raw !== '' && Number.isFinite(n) ? n : raw };
  }
  return { property, op: best.op, value: raw } as Condition;
}

const ruleWithClassName = groupRuleSchema.extend({ classId: z.string().trim().min(1).max(256) });

export function parseRule(text: string): GroupRule {
  let rule: unknown;
  if (text.trim().startsWith('{')) {
    try {
      rule = JSON.parse(text);
    } catch {
      throw new InvalidArgumentError('is not valid JSON.');
    }
  } else {
    const [classId, ...conds] = text.split(';').map((p) => p.trim());
    rule = { classId, conditions: conds.filter(Boolean).map(parseCondition) };
  }
  // The class may be named by its display name: it is resolved to its id before the rule is sent.
  const parsed = ruleWithClassName.safeParse(rule);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new InvalidArgumentError(`${first.path.join('.') || 'rule'}: ${first.message}`);
  }
  return parsed.data;
}

export function collectRule(value: string, previous: GroupRule[] = []): GroupRule[] {
  return [...previous, parseRule(value)];
}

export function describeRule(rule: GroupRule): string {
  const symbol: Record<Condition['op'], string> = {
    eq: '=',
    ne: '!=',
    like: '~',
    gt: '>',
    lt: '<',
    exists: '?',
  };
  const conds = rule.conditions.map((c) =>
    c.op === 'exists' ? `${c.property}?` : `${c.property}${symbol[c.op]}${String(c.value)}`,
  );
  return [rule.classId, ...conds].join(';');
}
