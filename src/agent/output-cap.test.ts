// Proves the output cap (bytes kept, counted, flagged, whole characters) and the redaction of secrets, including one cut by the cap.
import { describe, expect, it } from 'vitest';
import { createOutputCollector, redactSecrets } from './output-cap.js';

describe('output collector', () => {
  it('keeps bytes up to the cap across chunks and counts the rest', () => {
    const out = createOutputCollector(5);
    out.push(Buffer.from('abc'));
    out.push(Buffer.from('defgh'));
    out.push(Buffer.from('ij'));
    expect(out.text()).toBe('abcde');
    expect(out.totalBytes).toBe(10);
    expect(out.truncated).toBe(true);
  });

  it('is not truncated at exactly the cap', () => {
    const out = createOutputCollector(3);
    out.push(Buffer.from('abc'));
    expect([out.text(), out.truncated]).toEqual(['abc', false]);
  });

  it('leaves out a character the cap cut in half instead of a replacement character', () => {
    const out = createOutputCollector(4);
    out.push(Buffer.from('abcé'));
    expect(out.text()).toBe('abc');
  });

  it('refuses a negative cap', () => {
    expect(() => createOutputCollector(-1)).toThrow(RangeError);
  });
});

describe('redaction', () => {
  it('replaces every occurrence, the longest secret first', () => {
    expect(redactSecrets('pw=hunter22 again hunter2', ['hunter2', 'hunter22'], false)).toBe(
      'pw=[redacted] again [redacted]',
    );
  });

  it('leaves text without secrets alone and ignores empty secrets', () => {
    expect(redactSecrets('nothing here', ['', 'absent'], true)).toBe('nothing here');
  });

  it('redacts the beginning of a secret left at the end of truncated output', () => {
    expect(redactSecrets('value: s3cr', ['s3cret-value'], true)).toBe('value: [redacted]');
  });

  it('does not touch the end of output that was not truncated', () => {
    expect(redactSecrets('value: s3cr', ['s3cret-value'], false)).toBe('value: s3cr');
  });
});
