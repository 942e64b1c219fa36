// Proves template substitution (R40, Q6), unknown-token handling, escaping for HTML and JSON, and the defaults of R41.
import { describe, expect, it } from 'vitest';
import type { NotificationAlert } from './alert.js';
import {
  defaultFormats,
  messageChannelKinds,
  renderHtmlTemplate,
  renderMessage,
  renderTemplate,
  type TemplateContext,
  templateFieldNames,
  validateTemplate,
} from './templates.js';

const alert = (extra: Partial<NotificationAlert> = {}): NotificationAlert => ({
  id: 'alrt_01',
  name: 'Disk full',
  description: 'Drive C: has 1% free space',
  severity: 'critical',
  priority: 'high',
  resolutionState: 0,
  resolutionStateName: 'New',
  sourceObjectId: 'obj_c',
  sourceName: 'C:',
  sourceClassId: 'Windows.LogicalDisk',
  workflowId: 'Windows.FreeSpace.Monitor',
  workflowName: 'Free space',
  timeRaised: new Date('2024-01-15T12:00:00Z'),
  timeResolved: null,
  lastModified: new Date('2024-07-01T08:15:30Z'),
  owner: null,
  ticketId: null,
  repeatCount: 0,
  custom: {},
  category: null,
  ...extra,
});

const ctx = (extra: Partial<NotificationAlert> = {}, more: Omit<TemplateContext, 'alert'> = {}) => ({
  alert: alert(extra),
  ...more,
});

const data = (field: string) => `$Data/Context/DataItem/${field}$`;
const withDefault = (field: string, value: string) => `$Data[Default='${value}']/Context/DataItem/${field}$`;
const server = 'Property[Type="Notification!Microsoft.SystemCenter.AlertNotificationSubscriptionServer"]';

describe('template tokens', () => {
  it('uses the default of a field the alert lacks (S30)', () => {
    const subject = `Alert: ${withDefault('AlertName', 'Not Present')} owner ${withDefault('Owner', 'Not Present')}`;
    expect(renderTemplate(subject, ctx())).toBe('Alert: Disk full owner Not Present');
    expect(renderTemplate(subject, ctx({ owner: 'CONTOSO\\ops' }))).toBe(
      'Alert: Disk full owner CONTOSO\\ops',
    );
  });

  it('renders a missing field without a default as the empty string (Q6)', () => {
    expect(renderTemplate(`[${data('Owner')}]`, ctx())).toBe('[]');
    expect(renderTemplate(`[${data('TimeResolved')}]`, ctx())).toBe('[]');
    expect(renderTemplate(`[${data('Custom4')}]`, ctx())).toBe('[]');
  });

  it('treats an empty field as missing, so its default shows', () => {
    expect(renderTemplate(withDefault('AlertDescription', 'none'), ctx({ description: '' }))).toBe('none');
    expect(renderTemplate(withDefault('Custom1', 'none'), ctx({ custom: { '1': '' } }))).toBe('none');
  });

  it('prefers a present value to the default, even zero', () => {
    expect(renderTemplate(withDefault('RepeatCount', 'n/a'), ctx())).toBe('0');
    expect(renderTemplate(withDefault('ResolutionState', 'n/a'), ctx())).toBe('0');
  });

  it('accepts a double-quoted default and a default holding a dollar sign', () => {
    expect(renderTemplate(`$Data[Default="—"]/Context/DataItem/TicketId$`, ctx())).toBe('—');
    expect(renderTemplate(`$Data[Default='$0.00']/Context/DataItem/Custom2$`, ctx())).toBe('$0.00');
  });

  it('renders the alert fields of R40', () => {
    const c = ctx({
      owner: 'ann',
      ticketId: 'INC-7',
      category: 'Capacity',
      custom: { '1': 'first', '10': 'tenth' },
      repeatCount: 3,
      resolutionState: 255,
      resolutionStateName: 'Closed',
      timeResolved: new Date('2024-01-15T13:00:00Z'),
      resolvedBy: 'bob',
      lastModifiedBy: 'bob',
      sourceFullName: 'Windows.LogicalDisk:srv1;C:',
      sourcePath: 'srv1.contoso.com',
      createdByMonitor: true,
    });
    const expected: Record<string, string> = {
      AlertId: 'alrt_01',
      AlertName: 'Disk full',
      AlertDescription: 'Drive C: has 1% free space',
      Severity: 'Critical',
      Priority: 'High',
      ResolutionState: '255',
      ResolutionStateName: 'Closed',
      ManagedEntity: 'obj_c',
      ManagedEntityDisplayName: 'C:',
      ManagedEntityFullName: 'Windows.LogicalDisk:srv1;C:',
      ManagedEntityPath: 'srv1.contoso.com',
      WorkflowId: 'Windows.FreeSpace.Monitor',
      Owner: 'ann',
      AlertOwner: 'ann',
      TicketId: 'INC-7',
      Category: 'Capacity',
      Custom1: 'first',
      Custom10: 'tenth',
      RepeatCount: '3',
      ResolvedBy: 'bob',
      LastModifiedBy: 'bob',
      CreatedByMonitor: 'true',
      TimeRaised: '2024-01-15T12:00:00Z',
      TimeAdded: '2024-01-15T12:00:00Z',
      TimeResolved: '2024-01-15T13:00:00Z',
      LastModified: '2024-07-01T08:15:30Z',
      DataItemCreateTime: '2024-07-01T08:15:30Z',
    };
    for (const [field, value] of Object.entries(expected)) {
      expect(renderTemplate(data(field), c), field).toBe(value);
    }
  });

  it('renders the Local twin of a time field in the context zone, with its DST offset', () => {
    const c = ctx({}, { timeZone: 'Europe/Paris' });
    expect(renderTemplate(data('TimeRaisedLocal'), c)).toBe('2024-01-15 13:00:00 +01:00');
    expect(renderTemplate(data('LastModifiedLocal'), c)).toBe('2024-07-01 10:15:30 +02:00');
    expect(renderTemplate(data('TimeRaisedLocal'), ctx())).toBe('2024-01-15 12:00:00 +00:00');
    expect(renderTemplate(data('TimeRaisedLocal'), ctx({}, { timeZone: 'Nowhere/Land' }))).toBe(
      '2024-01-15 12:00:00 +00:00',
    );
  });

  it('URL-encodes values of UrlEncodeData tokens', () => {
    expect(renderTemplate('$UrlEncodeData/Context/DataItem/AlertName$', ctx({ name: 'a b&c/d?' }))).toBe(
      'a%20b%26c%2Fd%3F',
    );
  });

  it('renders the subscription-server and recipient tokens from the context', () => {
    const c = ctx({}, { webConsoleUrl: 'https://steward.contoso.com', principalName: 'ms1.contoso.com' });
    expect(renderTemplate(`$Target/${server}/WebConsoleUrl$`, c)).toBe('https://steward.contoso.com');
    expect(renderTemplate(`$Target/${server}/PrincipalName$`, c)).toBe('ms1.contoso.com');
    expect(renderTemplate(`$Target/${server}/WebConsoleUrl$`, ctx())).toBe('');
    const to = ctx({}, { recipientAddress: 'ops@contoso.com' });
    expect(renderTemplate('To: $Data/Recipients/To/Address/Address$', to)).toBe('To: ops@contoso.com');
  });

  it('accepts the server token with single quotes or with the escaped quotes of a JSON template', () => {
    const c = ctx({}, { webConsoleUrl: 'https://steward.contoso.com' });
    const single = `$Target/${server.replaceAll('"', "'")}/WebConsoleUrl$`;
    const escaped = `$Target/${server.replaceAll('"', '\\"')}/WebConsoleUrl$`;
    expect(renderTemplate(single, c)).toBe('https://steward.contoso.com');
    expect(renderTemplate(escaped, c)).toBe('https://steward.contoso.com');
    expect(renderTemplate(`{"d":"$Data[Default=\\"none\\"]/Context/DataItem/Owner$"}`, c, 'json')).toBe(
      '{"d":"none"}',
    );
  });

  it('renders unknown tokens as the empty string', () => {
    expect(renderTemplate(`a${data('NoSuchField')}b$Foo$c`, ctx())).toBe('abc');
    expect(renderTemplate(`[$Data[Fallback='x']/Context/DataItem/AlertName$]`, ctx())).toBe('[]');
  });

  it('leaves dollar signs that form no token as text', () => {
    expect(renderTemplate('costs $5, $ 6 or $USD and more', ctx())).toBe('costs $5, $ 6 or $USD and more');
    expect(renderTemplate('$Data/Context/DataItem/AlertName\n$', ctx())).toBe(
      '$Data/Context/DataItem/AlertName\n$',
    );
    expect(renderTemplate(`$${data('AlertName')}`, ctx())).toBe('$Disk full');
  });

  it('substitutes every occurrence, side by side', () => {
    expect(renderTemplate(`${data('Severity')}${data('Priority')}|${data('Severity')}`, ctx())).toBe(
      'CriticalHigh|Critical',
    );
  });
});

describe('validateTemplate', () => {
  it('finds nothing wrong with known tokens', () => {
    const all = templateFieldNames.map((f) => data(f)).join(' ');
    expect(validateTemplate(all)).toEqual([]);
    expect(validateTemplate(`${withDefault('Owner', 'x')} $Target/${server}/PrincipalName$`)).toEqual([]);
    expect(
      validateTemplate('$UrlEncodeData/Context/DataItem/AlertId$ $Data/Recipients/To/Address/Address$'),
    ).toEqual([]);
  });

  it('lists each unknown token once, in order of appearance', () => {
    const text = [
      data('NoSuchField'),
      '$Foo$',
      data('NoSuchField'),
      data('alertname'),
      "$Data[Fallback='x']/Context/DataItem/AlertName$",
      '$Target/Property[Type="Other"]/WebConsoleUrl$',
      '$Data/Context/AlertName$',
    ].join(' ');
    expect(validateTemplate(text)).toEqual([
      data('NoSuchField'),
      '$Foo$',
      data('alertname'),
      "$Data[Fallback='x']/Context/DataItem/AlertName$",
      '$Target/Property[Type="Other"]/WebConsoleUrl$',
      '$Data/Context/AlertName$',
    ]);
  });

  it('knows the ten custom fields and the Local twins of time fields', () => {
    expect(validateTemplate(data('Custom10'))).toEqual([]);
    expect(validateTemplate(data('Custom11'))).toEqual([data('Custom11')]);
    expect(validateTemplate(data('TimeResolvedLocal'))).toEqual([]);
    expect(validateTemplate(data('AlertNameLocal'))).toEqual([data('AlertNameLocal')]);
  });
});

describe('escaping', () => {
  const nasty = ctx({ name: `<b>"Tom" & 'Jerry'</b>` });

  it('escapes values for HTML but keeps the template markup and defaults', () => {
    const html = `<p>${data('AlertName')}</p><i>${withDefault('Owner', '<none>')}</i>`;
    expect(renderHtmlTemplate(html, nasty)).toBe(
      '<p>&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</p><i><none></i>',
    );
  });

  it('escapes for HTML after URL-encoding, so a link attribute stays closed', () => {
    const html = `<a href='x?id=$UrlEncodeData/Context/DataItem/AlertId$'>`;
    expect(renderHtmlTemplate(html, ctx({ id: "it's&" }))).toBe(`<a href='x?id=it&#39;s%26'>`);
  });

  it('escapes values for JSON strings', () => {
    const json = `{"t":"${data('AlertDescription')}"}`;
    const c = ctx({ description: 'line 1\nline "2" \\ end' });
    expect(JSON.parse(renderTemplate(json, c, 'json'))).toEqual({ t: 'line 1\nline "2" \\ end' });
  });
});

describe('default formats (R41)', () => {
  it('has a format for e-mail, IM, SMS and Teams, and none for command channels', () => {
    expect([...messageChannelKinds].sort()).toEqual(['email', 'im', 'sms', 'teams']);
    expect(Object.keys(defaultFormats).sort()).toEqual(['email', 'im', 'sms', 'teams']);
  });

  it('uses only known tokens', () => {
    for (const kind of messageChannelKinds) {
      const f = defaultFormats[kind];
      expect(validateTemplate(`${f.subject ?? ''}${f.body}`), kind).toEqual([]);
    }
  });

  it('titles e-mail and SMS "Alert: <name> Resolution state: <state>"', () => {
    const email = renderMessage('email', {}, ctx());
    expect(email.subject).toBe('Alert: Disk full Resolution state: New');
    expect(email.bodyIsHtml).toBe(false);
    expect(renderMessage('sms', {}, ctx()).body).toBe('Alert: Disk full Resolution state: New');
  });

  it('puts source, path, modifier, description and a console link in the default e-mail body', () => {
    const c = ctx(
      { sourcePath: 'srv1.contoso.com', lastModifiedBy: 'bob' },
      { webConsoleUrl: 'https://steward.contoso.com', timeZone: 'Europe/Paris' },
    );
    expect(renderMessage('email', {}, c).body).toBe(
      [
        'Alert: Disk full',
        'Source: C:',
        'Path: srv1.contoso.com',
        'Last modified by: bob',
        'Last modified time: 2024-07-01 10:15:30 +02:00',
        'Alert description: Drive C: has 1% free space',
        'Alert view link: https://steward.contoso.com/alerts/alrt_01',
      ].join('\n'),
    );
  });

  it('adds the path and who last modified the alert in IM', () => {
    const c = ctx({ sourcePath: 'srv1.contoso.com', lastModifiedBy: 'bob' });
    expect(renderMessage('im', {}, c).body).toBe(
      'Alert: Disk full Resolution state: New\nPath: srv1.contoso.com\nLast modified by: bob',
    );
  });

  it('renders the Teams default as an Adaptive Card that stays valid JSON whatever the alert says', () => {
    const c = ctx(
      { name: 'Quote " and \\ backslash', description: 'two\nlines', sourcePath: null },
      { webConsoleUrl: 'https://steward.contoso.com' },
    );
    const card = JSON.parse(renderMessage('teams', {}, c).body);
    expect(card.type).toBe('AdaptiveCard');
    expect(card.body[0].text).toBe('Alert: Quote " and \\ backslash');
    expect(card.body[1].facts).toContainEqual({ title: 'Severity', value: 'Critical' });
    expect(card.body[1].facts).toContainEqual({ title: 'Path', value: '' });
    expect(card.body[2].text).toBe('two\nlines');
    expect(card.body[3].text).toBe('Alert view link: https://steward.contoso.com/alerts/alrt_01');
  });
});

describe('renderMessage', () => {
  it('uses the channel templates when given', () => {
    const m = renderMessage(
      'email',
      { subject: `[${data('Severity')}] ${data('AlertName')}`, body: 'b' },
      ctx(),
    );
    expect(m).toEqual({ subject: '[Critical] Disk full', body: 'b', bodyIsHtml: false });
  });

  it('escapes values in an HTML e-mail body but not in the subject', () => {
    const m = renderMessage(
      'email',
      { subject: data('AlertName'), body: `<h1>${data('AlertName')}</h1>`, bodyIsHtml: true },
      ctx({ name: 'a<b' }),
    );
    expect(m).toEqual({ subject: 'a<b', body: '<h1>a&lt;b</h1>', bodyIsHtml: true });
  });

  it('sends the default plain-text body when an HTML channel has no body of its own', () => {
    const m = renderMessage('email', { bodyIsHtml: true }, ctx({ name: 'a<b' }));
    expect(m.bodyIsHtml).toBe(false);
    expect(m.body.startsWith('Alert: a<b\n')).toBe(true);
  });

  it('keeps line breaks of alert values out of the e-mail subject', () => {
    const m = renderMessage('email', {}, ctx({ name: 'one\r\nBcc: evil@example.com' }));
    expect(m.subject).toBe('Alert: one Bcc: evil@example.com Resolution state: New');
  });

  it('gives no subject outside e-mail', () => {
    expect(renderMessage('sms', { subject: 'x', body: data('AlertName') }, ctx())).toEqual({
      body: 'Disk full',
      bodyIsHtml: false,
    });
  });
});
