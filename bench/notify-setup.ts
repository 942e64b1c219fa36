// The world of `npm run bench -- notify` on the server: an administrator's session, the classes, groups,
// subscribers, e-mail channel and subscriptions the storm is decided against, and the wait until the notifier runs.

import type { Smtp } from '../test/support/smtp-server.js';
import type { Admin } from './admin-session.js';
import { forEachConcurrently } from './agent-fleet.js';
import { setUpPaced } from './notify-paced.js';
import { FROM, subjectOf } from './notify-smtp.js';
import {
  benchClasses,
  benchGroups,
  benchSubscriptions,
  CLASS_PREFIX,
  type WorkloadSizes,
} from './notify-workload.js';

/** What the set-up reads of the bench's options. */
export interface SetUpSizes extends WorkloadSizes {
  /** Subscribers on call, whose subscriptions alone catch the storm. */
  pagingSubscriptions: number;
  /** Administration calls at once. */
  setupConcurrency: number;
  /** The paced storm's length (0: none, and no subscription for it). */
  pacedSeconds: number;
}

/**
 * The classes (a pack), groups, subscribers, one e-mail channel and the subscriptions of the world on the server.
 * The first `pagingSubscriptions` subscribers are on call, with one address each; their subscriptions alone
 * catch the storm (custom field 2 is "page").
 */
export async function setUpServer(
  admin: Admin,
  o: SetUpSizes,
  smtpPort: number,
  progress: (line: string) => void,
) {
  const classes = benchClasses();
  const pack = [
    `id: ${CLASS_PREFIX}`,
    'version: 1.0.0',
    'references: [{ id: Steward.Library, minVersion: 1.0.0 }]',
    'classes:',
    ...classes.map((c) => `  - { id: ${c.id}, baseClass: ${c.baseClassId}, hosted: true }`),
  ].join('\n');
  await admin('POST', '/api/v1/packs', { content: pack, format: 'yaml' });
  // No objects on the server: groups by class rule and nesting only (the storm's alerts have no source).
  for (const g of benchGroups(o, classes, false))
    await admin('POST', '/api/v1/groups', { id: g.id, rules: g.rules, subgroups: g.subgroups });

  const channel = await admin<{ id: string }>('POST', '/api/v1/notification-channels', {
    name: 'Bench mail',
    kind: 'email',
    settings: {
      servers: [{ host: '127.0.0.1', port: smtpPort, tls: 'none' }],
      from: FROM,
      authentication: 'anonymous',
      subject: '$Data/Context/DataItem/AlertId$',
    },
  });

  const subscriberIds: string[] = new Array(o.subscribers);
  await forEachConcurrently(
    Array.from({ length: o.subscribers }, (_, i) => i),
    o.setupConcurrency,
    async (i) => {
      const onCall = i < o.pagingSubscriptions;
      const addresses = onCall
        ? [{ name: 'mail', kind: 'email', address: `oncall${i}@bench.example` }]
        : [
            { name: 'mail', kind: 'email', address: `person${i}@bench.example` },
            ...(i % 3 === 0
              ? [{ name: 'pager', kind: 'email', address: `person${i}.pager@bench.example` }]
              : []),
          ];
      const s = await admin<{ id: string }>('POST', '/api/v1/notification-subscribers', {
        name: onCall ? `On call ${i}` : `Person ${i}`,
        addresses,
      });
      subscriberIds[i] = s.id;
    },
  );
  progress(`created ${o.subscribers} subscribers`);

  const generated = benchSubscriptions(
    o,
    classes,
    o.subscriptions - o.pagingSubscriptions,
    o.pagingSubscriptions,
  );
  const bodies = [
    ...Array.from({ length: o.pagingSubscriptions }, (_, k) => ({
      name: `Bench paging ${k}`,
      criteria: { text: [{ field: 'custom2', op: 'equals', value: 'page' }] },
      to: [subscriberIds[k]!],
      channelIds: [channel.id],
    })),
    ...generated.map((s, i) => ({
      name: `Bench subscription ${i}`,
      criteria: s.criteria,
      to: s.to.map((x) => subscriberIds[x]!),
      cc: s.cc.map((x) => subscriberIds[x]!),
      channelIds: [channel.id],
    })),
  ];
  let made = 0;
  await forEachConcurrently(bodies, o.setupConcurrency, async (body) => {
    await admin('POST', '/api/v1/notification-subscriptions', body);
    if (++made % 2000 === 0) progress(`  ${made} subscriptions`);
  });
  progress(`created ${bodies.length} subscriptions (${o.pagingSubscriptions} catch the storm)`);
  if (o.pacedSeconds > 0) await setUpPaced(admin, channel.id);
}

/** Raises probe alerts until one is mailed: the notifier is running and reading changes from here on. */
export async function waitForNotifier(admin: Admin, smtp: Smtp) {
  const deadline = performance.now() + 90_000;
  const probes = new Set<string>();
  while (performance.now() < deadline) {
    const a = await admin<{ id: string }>('POST', '/api/v1/alerts', {
      name: 'Bench probe',
      severity: 'warning',
      custom: { '1': 'probe', '2': 'page' },
    });
    probes.add(a.id);
    const until = performance.now() + 1000;
    while (performance.now() < until) {
      if (smtp.mails.some((m) => probes.has(subjectOf(m)))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('the notifier sent nothing for a probe alert within 90 s');
}
