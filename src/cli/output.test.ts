// Proves what people and scripts see: aligned tables with upper-case headers, readable cells, and exactly one JSON document with --json.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cell, createOutput } from './output.js';

function capture(json: boolean) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  return { output: createOutput(stdout, stderr, json), out: () => out, err: () => err };
}

describe('output', () => {
  it('prints cells people can read: no milliseconds, dashes for nothing, yes/no, lists and compact JSON', () => {
    expect(cell('2025-03-10T12:00:00.123Z')).toBe('2025-03-10T12:00:00Z');
    expect(cell(null)).toBe('-');
    expect(cell('')).toBe('-');
    expect(cell(true)).toBe('yes');
    expect(cell(['a', 'b'])).toBe('a, b');
    expect(cell([])).toBe('-');
    expect(cell({})).toBe('-');
    expect(cell({ a: 1 })).toBe('{"a":1}');
  });

  it('prints a table with aligned columns and upper-case headers, or the empty text', () => {
    const c = capture(false);
    const columns = [
      { header: 'id', value: (r: { id: string; n: number }) => r.id },
      { header: 'count', value: (r: { id: string; n: number }) => r.n },
    ];
    c.output.table(
      [
        { id: 'a', n: 1 },
        { id: 'longer', n: 22 },
      ],
      columns,
      'None.',
    );
    c.output.table([], columns, 'None.');
    expect(c.out().split('\n')).toEqual(['ID      COUNT', 'a       1', 'longer  22', 'None.', '']);
  });

  it('prints exactly one JSON document in --json mode and skips the human text', () => {
    const c = capture(true);
    c.output.result({ items: [1, 2] }, () => c.output.line('human text'));
    expect(JSON.parse(c.out())).toEqual({ items: [1, 2] });
    expect(c.out()).not.toContain('human text');
  });

  it('keeps notes on stderr, out of what scripts parse', () => {
    const c = capture(true);
    c.output.note('warning: something');
    c.output.result({ ok: true }, () => {});
    expect(c.err()).toBe('warning: something\n');
    expect(JSON.parse(c.out())).toEqual({ ok: true });
  });
});
