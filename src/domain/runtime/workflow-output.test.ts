import { describe, expect, it } from 'vitest';
import { readDiscovery, readMonitor, readRuleAlerts } from './workflow-output.js';

const run = (stdout: string, exitCode: number | null = 0, timedOut = false) => ({
  stdout,
  exitCode,
  timedOut,
});

describe('readMonitor', () => {
  it('maps exit codes 0, 1, 2 to healthy, warning, critical with the first text line as message', () => {
    expect(readMonitor(run('all fine\nmore', 0))).toEqual({
      kind: 'state',
      state: 'healthy',
      message: 'all fine',
    });
    expect(readMonitor(run('disk 91%', 1))).toMatchObject({ state: 'warning', message: 'disk 91%' });
    expect(readMonitor(run('', 2))).toMatchObject({ state: 'critical', message: '' });
  });

  it('lets the last JSON state line override the exit code', () => {
    const out = '{"state":"warning","message":"first"}\n{"state":"critical","message":"second"}\n';
    expect(readMonitor(run(out, 0))).toEqual({ kind: 'state', state: 'critical', message: 'second' });
  });

  it('leaves the state unchanged on other exits, timeouts and bad states', () => {
    expect(readMonitor(run('', 3)).kind).toBe('unknown');
    expect(readMonitor(run('', null)).kind).toBe('unknown');
    expect(readMonitor(run('', 0, true)).kind).toBe('unknown');
    const bad = readMonitor(run('{"state":"purple"}', 0));
    expect(bad).toMatchObject({ kind: 'unknown' });
    expect(bad.kind === 'unknown' && bad.problem).toContain('line 1');
  });

  it('caps the message', () => {
    const r = readMonitor(run('x'.repeat(5000), 1));
    expect(r.kind === 'state' && r.message.length).toBe(1000);
  });
});

describe('readRuleAlerts', () => {
  it('reads alert lines with defaults and ignores other output', () => {
    const out = [
      'starting',
      '{"alert":{"name":"Queue long","description":"42 items","severity":"critical","priority":"high","custom":{"1":"q1"}}}',
      '{"alert":{"name":"Plain"}}',
      '{"other":1}',
      'not {json',
    ].join('\n');
    const r = readRuleAlerts(run(out));
    expect(r.problems).toEqual([]);
    expect(r.alerts).toEqual([
      {
        name: 'Queue long',
        description: '42 items',
        severity: 'critical',
        priority: 'high',
        custom: { '1': 'q1' },
      },
      { name: 'Plain', description: '', severity: 'warning', priority: 'medium', custom: {} },
    ]);
  });

  it('names the line and the field of each bad alert', () => {
    const out = [
      '{"alert":"x"}',
      '{"alert":{"name":""}}',
      '{"alert":{"name":"a","severity":"fatal"}}',
      '{"alert":{"name":"a","priority":"urgent"}}',
      '{"alert":{"name":"a","custom":{"11":"x"}}}',
    ].join('\n');
    const r = readRuleAlerts(run(out));
    expect(r.alerts).toEqual([]);
    expect(r.problems.map((p) => p.line)).toEqual([1, 2, 3, 4, 5]);
    expect(r.problems.map((p) => p.message.split(' ')[0])).toEqual([
      'alert',
      'alert.name',
      'alert.severity',
      'alert.priority',
      'alert.custom',
    ]);
  });
});

describe('readDiscovery', () => {
  it('reads objects with class, name, properties and host', () => {
    const out = [
      '{"class":"Test.SQL.Instance","properties":{"InstanceName":"X","Port":1433,"Ha":false}}',
      'log line',
      '{"class":"Test.SQL.Database","name":"db1","displayName":"Database 1","host":"obj_1"}',
    ].join('\n');
    const r = readDiscovery(run(out));
    expect(r).toEqual({
      kind: 'snapshot',
      problems: [],
      objects: [
        { line: 1, classId: 'Test.SQL.Instance', properties: { InstanceName: 'X', Port: 1433, Ha: false } },
        {
          line: 3,
          classId: 'Test.SQL.Database',
          name: 'db1',
          displayName: 'Database 1',
          properties: {},
          hostId: 'obj_1',
        },
      ],
    });
  });

  it('an empty successful run is an empty snapshot; a failed or timed-out run says nothing', () => {
    expect(readDiscovery(run(''))).toEqual({ kind: 'snapshot', objects: [], problems: [] });
    expect(readDiscovery(run('{"class":"A"}', 1)).kind).toBe('failed');
    expect(readDiscovery(run('{"class":"A"}', 0, true)).kind).toBe('failed');
  });

  it('reports bad lines and keeps the good ones', () => {
    const out = [
      '{"class":""}',
      '{"class":"A","properties":{"p":{"nested":1}}}',
      '{"class":"A","name":" "}',
      '{"class":"A","host":5}',
      '{"class":"A","properties":[]}',
      '{"class":"A","name":"ok"}',
    ].join('\n');
    const r = readDiscovery(run(out));
    if (r.kind !== 'snapshot') throw new Error('expected a snapshot');
    expect(r.objects.map((o) => o.line)).toEqual([6]);
    expect(r.problems.map((p) => p.line)).toEqual([1, 2, 3, 4, 5]);
    expect(r.problems[1]!.message).toContain('properties.p');
  });

  it('stops at the object limit and says so', () => {
    const out = Array.from({ length: 1002 }, (_, i) => `{"class":"A","name":"o${i}"}`).join('\n');
    const r = readDiscovery(run(out));
    if (r.kind !== 'snapshot') throw new Error('expected a snapshot');
    expect(r.objects).toHaveLength(1000);
    expect(r.problems).toEqual([{ line: 1001, message: expect.stringContaining('more than 1000') }]);
  });
});
