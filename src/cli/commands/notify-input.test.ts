// Proves how `steward notify …` reads its arguments: JSON inline or from JSON/YAML files, schedules given the
// local time zone, comma lists, addresses checked per kind, the subscription body built from its options — and,
// through the whole command tree against a recording HTTP server, the request each command sends, what it
// prints, and the exit codes of bad arguments and of the server's refusals.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { InvalidArgumentError } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  answer,
  type RecordedRequest,
  type RecordingServer,
  startRecordingServer,
} from '../../../test/support/recording-http-server.js';
import { contextFrom } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { runCli } from '../main.js';
import {
  addressesFrom,
  addressOption,
  channelTarget,
  collectIds,
  criteriaSummary,
  readObject,
  readSchedule,
  readStructured,
  resolutionStateList,
  severityList,
  subscriptionBody,
} from './notify-input.js';

const dir = mkdtempSync(join(tmpdir(), 'steward-notify-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

/** Runs `fn` and returns the CliError it throws. */
function cliError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error('expected a CliError');
}

describe('readStructured / readObject', () => {
  it('reads inline JSON, a JSON file and a YAML file alike', () => {
    const expected = { from: 'scom@contoso.com', servers: [{ host: 'smtp.contoso.com' }] };
    expect(readObject(JSON.stringify(expected), '--settings')).toEqual(expected);
    expect(readObject(file('c.json', JSON.stringify(expected)), '--settings')).toEqual(expected);
    expect(
      readObject(
        file('c.yaml', 'from: scom@contoso.com\nservers:\n  - host: smtp.contoso.com\n'),
        '--settings',
      ),
    ).toEqual(expected);
    expect(readStructured(' [1, 2]', '--x')).toEqual([1, 2]);
  });

  it('refuses a missing file, bad JSON and a value that is not one object, with exit code 2 naming the option', () => {
    const missing = cliError(() => readObject(join(dir, 'nope.json'), '--settings'));
    expect(missing.exitCode).toBe(2);
    expect(missing.message).toMatch(/^--settings: cannot read .*nope\.json \(no such file\)/);
    const broken = cliError(() => readObject('{"from": ', '--settings'));
    expect(broken.exitCode).toBe(2);
    expect(broken.message).toMatch(/^--settings: the value is not valid JSON/);
    expect(cliError(() => readObject(file('bad.yml', 'a: [\n'), '--settings')).message).toMatch(
      /bad\.yml is not valid YAML/,
    );
    expect(cliError(() => readObject('[{"a":1}]', '--settings')).message).toMatch(/give one JSON object/);
  });
});

describe('readSchedule', () => {
  it('takes one entry or a list, giving entries without a time zone the local one', () => {
    expect(readSchedule('{"allDay":true}', 'Europe/Paris')).toEqual([
      { allDay: true, timeZone: 'Europe/Paris' },
    ]);
    expect(
      readSchedule(
        '[{"startTime":"08:00","endTime":"18:00"},{"exclude":true,"allDay":true,"timeZone":"UTC"}]',
        'America/New_York',
      ),
    ).toEqual([
      { startTime: '08:00', endTime: '18:00', timeZone: 'America/New_York' },
      { exclude: true, allDay: true, timeZone: 'UTC' },
    ]);
  });

  it('refuses entries that are not objects', () => {
    expect(cliError(() => readSchedule('[{"allDay":true}, "08:00"]', 'UTC')).message).toMatch(
      /entry 2 is not an object/,
    );
  });
});

describe('list options', () => {
  it('collects comma lists over repeated options', () => {
    expect(collectIds('b', collectIds('sbr_1, sbr_2'))).toEqual(['sbr_1', 'sbr_2', 'b']);
    expect(() => collectIds(' , ')).toThrow(InvalidArgumentError);
  });

  it('accepts known severities in any case, each once, and refuses others naming the choices', () => {
    expect(severityList('warning', severityList('Critical,warning'))).toEqual(['critical', 'warning']);
    expect(() => severityList('critical,fatal')).toThrow(
      "'fatal' is not one of critical, warning, information.",
    );
  });

  it('accepts resolution states 0 to 255 only', () => {
    expect(resolutionStateList('255', resolutionStateList('0,5'))).toEqual([0, 5, 255]);
    expect(() => resolutionStateList('256')).toThrow(InvalidArgumentError);
    expect(() => resolutionStateList('new')).toThrow(InvalidArgumentError);
    expect(() => resolutionStateList('-1')).toThrow(InvalidArgumentError);
  });
});

describe('addresses', () => {
  it.each([
    ['email', 'ops@contoso.com', 'ops'],
    ['im', 'sip:ops@contoso.com', 'ops@contoso.com'],
    ['sms', 'sms:+15551234567', '+15551234567'],
    ['teams', 'https://teams.microsoft.com/l/channel/19%3a1/Ops', 'http://teams.contoso.com/hook'],
  ] as const)('--%s accepts %s and refuses %s, saying what it must look like', (kind, good, wrong) => {
    expect(addressOption(kind)(good, [])).toEqual([good]);
    expect(() => addressOption(kind)(wrong, [])).toThrow(/must be/);
  });

  it('names addresses after their kind, numbering repeats, and adds a command address on request', () => {
    expect(
      addressesFrom({
        email: ['a@contoso.com', 'b@contoso.com'],
        sms: ['sms:+15551234567'],
        command: true,
      }),
    ).toEqual([
      { name: 'email 1', kind: 'email', address: 'a@contoso.com' },
      { name: 'email 2', kind: 'email', address: 'b@contoso.com' },
      { name: 'sms', kind: 'sms', address: 'sms:+15551234567' },
      { name: 'command', kind: 'command', address: '' },
    ]);
    expect(cliError(() => addressesFrom({})).message).toMatch(/at least one address/);
  });
});

describe('subscriptionBody', () => {
  it('maps every option onto the API body, with the defaults of a subscription', () => {
    expect(subscriptionBody('Minimal', { to: ['sbr_1'], channel: ['chan_1'] })).toEqual({
      name: 'Minimal',
      enabled: true,
      criteria: {},
      to: ['sbr_1'],
      cc: [],
      bcc: [],
      channelIds: ['chan_1'],
      delaySeconds: 0,
      onlyOnResolutionChange: false,
    });
    expect(
      subscriptionBody('Full', {
        to: ['sbr_1'],
        cc: ['sbr_2'],
        bcc: ['sbr_3'],
        channel: ['chan_1', 'chan_2'],
        description: 'critical SQL',
        severity: ['critical'],
        priority: ['high'],
        resolutionState: [0],
        class: ['System.Computer'],
        group: ['Contoso.SQL'],
        workflow: ['Contoso.SQL.Down'],
        delay: 300,
        onlyOnResolutionChange: true,
        disabled: true,
      }),
    ).toEqual({
      name: 'Full',
      description: 'critical SQL',
      enabled: false,
      criteria: {
        severities: ['critical'],
        priorities: ['high'],
        resolutionStates: [0],
        classIds: ['System.Computer'],
        groupIds: ['Contoso.SQL'],
        workflowIds: ['Contoso.SQL.Down'],
      },
      to: ['sbr_1'],
      cc: ['sbr_2'],
      bcc: ['sbr_3'],
      channelIds: ['chan_1', 'chan_2'],
      delaySeconds: 300,
      onlyOnResolutionChange: true,
    });
  });

  it('adds --criteria to the criteria options, the options winning where both speak', () => {
    const body = subscriptionBody('Merged', {
      to: ['sbr_1'],
      channel: ['chan_1'],
      severity: ['warning'],
      criteria: '{"severities":["critical"],"text":[{"field":"name","op":"like","value":"Disk*"}]}',
    });
    expect(body.criteria).toEqual({
      severities: ['warning'],
      text: [{ field: 'name', op: 'like', value: 'Disk*' }],
    });
  });
});

describe('summaries', () => {
  it('says where each kind of channel sends', () => {
    expect(
      channelTarget({
        kind: 'email',
        settings: {
          servers: [
            { host: 'a.contoso.com', port: 25 },
            { host: 'b.contoso.com', port: 587 },
          ],
          from: 'x@contoso.com',
        },
      }),
    ).toBe('a.contoso.com:25, b.contoso.com:587 from x@contoso.com');
    expect(
      channelTarget({
        kind: 'im',
        settings: {
          protocol: 'tls',
          server: 'chat.contoso.com',
          port: 5061,
          path: '/hooks/x',
          returnAddress: 'sip:a@b.c',
        },
      }),
    ).toBe('tls://chat.contoso.com:5061/hooks/x as sip:a@b.c');
    expect(channelTarget({ kind: 'teams', settings: { mode: 'webhook' } })).toBe('incoming webhooks');
    expect(channelTarget({ kind: 'command', settings: { applicationPath: '/opt/page.sh' } })).toBe(
      '/opt/page.sh',
    );
  });

  it('sums up criteria in one line, and none as every alert', () => {
    expect(criteriaSummary({})).toBe('every alert');
    expect(
      criteriaSummary({
        severities: ['critical', 'warning'],
        resolutionStates: [0],
        groupIds: ['Contoso.SQL'],
        text: [{ field: 'name', op: 'like', value: 'Disk*' }],
      }),
    ).toBe('severity critical,warning; state 0; group Contoso.SQL; name like "Disk*"');
  });
});

// ---------------------------------------------------------------- the command tree

describe('steward notify against a recording server', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer();
  });
  afterAll(() => server.close());
  afterEach(() => {
    server.requests.length = 0;
    process.exitCode = undefined;
  });

  const stamp = '2025-03-10T12:00:00.000Z';
  const echo =
    (extra: Record<string, unknown>) => (req: RecordedRequest, res: import('node:http').ServerResponse) =>
      answer(201, {
        id: 'x_1',
        createdBy: 'usr_1',
        createdAt: stamp,
        updatedAt: stamp,
        ...JSON.parse(req.body),
        ...extra,
      })(req, res);

  async function steward(...args: string[]) {
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
    const stdin = new PassThrough();
    stdin.end();
    process.exitCode = undefined;
    await runCli(
      ['node', 'steward', ...args],
      contextFrom({
        env: { STEWARD_URL: server.url, STEWARD_TOKEN: 'test-token', HOME: dir },
        stdin,
        stdout,
        stderr,
      }),
    );
    const code = process.exitCode ?? 0;
    process.exitCode = undefined;
    return {
      code,
      out,
      err,
      sent: server.requests.map((r) => ({ ...r, json: r.body ? JSON.parse(r.body) : undefined })),
    };
  }

  it('channel create posts the name, kind, profile and settings read from a file', async () => {
    server.handle(echo({ id: 'chan_1', enabled: true, health: { state: 'ok' } }));
    const settings = file('mail.json', '{"servers":[{"host":"smtp.contoso.com"}],"from":"scom@contoso.com"}');
    const r = await steward(
      'notify',
      'channel',
      'create',
      'Mail relay',
      '--kind',
      'email',
      '--settings',
      settings,
      '--profile',
      'Contoso.Mail',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.sent).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/api/v1/notification-channels',
        json: {
          name: 'Mail relay',
          kind: 'email',
          enabled: true,
          profileId: 'Contoso.Mail',
          settings: { servers: [{ host: 'smtp.contoso.com' }], from: 'scom@contoso.com' },
        },
      }),
    ]);
    expect(r.out).toBe('Created email channel Mail relay (chan_1), signing in with profile Contoso.Mail.\n');
  });

  it('subscriber create posts its addresses and schedule; subscription create its lists and criteria', async () => {
    server.handle((req, res) => {
      const body = JSON.parse(req.body);
      const addresses = body.addresses.map((a: object) => ({ ...a, schedule: [] }));
      echo({ id: 'sbr_1', addresses })(req, res);
    });
    const sub = await steward(
      'notify',
      'subscriber',
      'create',
      'DBA',
      '--email',
      'dba@contoso.com',
      '--sms',
      'sms:+15551234567',
      '--schedule',
      '{"allDay":true,"timeZone":"UTC"}',
    );
    expect(sub.err).toBe('');
    expect(sub.code).toBe(0);
    expect(sub.sent[0]!.json).toEqual({
      name: 'DBA',
      addresses: [
        { name: 'email', kind: 'email', address: 'dba@contoso.com' },
        { name: 'sms', kind: 'sms', address: 'sms:+15551234567' },
      ],
      schedule: [{ allDay: true, timeZone: 'UTC' }],
    });
    expect(sub.out).toBe('Created subscriber DBA (sbr_1) with 2 address(es).\n');

    server.handle(echo({ id: 'sub_1', description: '' }));
    const s = await steward(
      'notify',
      'subscription',
      'create',
      'Critical',
      '--to',
      'sbr_1,sbr_2',
      '--bcc',
      'sbr_3',
      '--channel',
      'chan_1',
      '--severity',
      'critical',
      '--priority',
      'high',
      '--resolution-state',
      '0',
      '--delay',
      '60',
      '--json',
    );
    expect(s.err).toBe('');
    expect(s.code).toBe(0);
    expect(s.sent[1]!.json).toMatchObject({
      to: ['sbr_1', 'sbr_2'],
      cc: [],
      bcc: ['sbr_3'],
      channelIds: ['chan_1'],
      criteria: { severities: ['critical'], priorities: ['high'], resolutionStates: [0] },
      delaySeconds: 60,
    });
    expect(JSON.parse(s.out)).toMatchObject({ id: 'sub_1', name: 'Critical' });
  });

  it('deliveries sends the filters and prints status, attempts, address and the last error', async () => {
    const delivery = {
      id: 'dlv_1',
      alertId: 'alrt_1',
      reason: 'started-matching',
      subscriptionId: 'sub_1',
      subscriptionIds: ['sub_1', 'sub_2'],
      channelId: 'chan_1',
      subscriberId: 'sbr_1',
      address: 'nobody@contoso.com',
      role: 'cc',
      status: 'dead',
      attempts: 1,
      nextAttemptAt: stamp,
      sentAt: null,
      lastError: '550 no such mailbox',
      detail: null,
      createdAt: stamp,
    };
    server.handle(answer(200, { items: [delivery] }));
    const r = await steward('notify', 'deliveries', '--status', 'dead', '--alert', 'alrt_1', '--limit', '5');
    expect(r.code).toBe(0);
    expect(r.sent[0]!.url).toBe('/api/v1/notification-deliveries?status=dead&alert=alrt_1&limit=5');
    const [head, row] = r.out.trimEnd().split('\n');
    expect(head).toMatch(/^ID\s+CREATED\s+STATUS\s+ATTEMPTS\s+ALERT\s+SUBSCRIPTION\s+ADDRESS\s+LAST ERROR$/);
    expect(row).toMatch(
      /^dlv_1\s+2025-03-10T12:00:00Z\s+dead\s+1\s+alrt_1\s+sub_1,sub_2\s+nobody@contoso\.com \(cc\)\s+550 no such mailbox$/,
    );
  });

  it('exits 2 on bad arguments without calling the server, and with the server’s code on its refusals', async () => {
    for (const args of [
      ['notify', 'channel', 'create', 'X', '--kind', 'pager', '--settings', '{}'],
      ['notify', 'channel', 'create', 'X', '--kind', 'email'],
      ['notify', 'channel', 'create', 'X', '--kind', 'email', '--settings', '{"from":'],
      ['notify', 'subscriber', 'create', 'X', '--im', 'ops@contoso.com'],
      ['notify', 'subscriber', 'create', 'X'],
      ['notify', 'subscription', 'create', 'X', '--channel', 'chan_1'],
      ['notify', 'subscription', 'create', 'X', '--to', 'a', '--channel', 'c', '--severity', 'fatal'],
      ['notify', 'subscription', 'create', 'X', '--to', 'a', '--channel', 'c', '--delay', '-5'],
      ['notify', 'deliveries', '--status', 'lost'],
    ]) {
      const r = await steward(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).not.toBe('');
      expect(r.sent, args.join(' ')).toEqual([]);
    }

    const refusal = (status: number, code: string) =>
      answer(status, { error: { code, message: `refused: ${code}`, requestId: 'req_1' } });
    server.handle(refusal(422, 'IN_USE'));
    const inUse = await steward('notify', 'channel', 'delete', 'chan_1');
    expect(inUse.code).toBe(7);
    expect(inUse.err).toContain('error IN_USE: refused: IN_USE');
    expect(inUse.sent[0]).toMatchObject({ method: 'DELETE', url: '/api/v1/notification-channels/chan_1' });
    server.handle(refusal(403, 'FORBIDDEN'));
    expect((await steward('notify', 'subscription', 'delete', 'sub_1')).code).toBe(4);
    server.handle(refusal(409, 'ALREADY_EXISTS'));
    expect((await steward('notify', 'subscriber', 'create', 'X', '--command')).code).toBe(6);
    server.handle((_req, res) => res.writeHead(204).end());
    const deleted = await steward('notify', 'subscriber', 'delete', 'sbr_1');
    expect(deleted).toMatchObject({ code: 0, out: 'Deleted subscriber sbr_1.\n' });
  });
});
