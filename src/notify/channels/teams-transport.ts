// Microsoft Teams channel transport (DESIGN Q12): posts an Adaptive Card to a channel through Microsoft Graph,
// signed in as the Simple Authentication Run As account (password grant, R47), or to an incoming webhook.
import { createHash } from 'node:crypto';
import type { AccountType } from '../../contract/accounts.js';
import {
  isSecureOrLoopbackUrl,
  type TeamsChannelSettings,
  type TeamsGraphSettings,
  type TeamsWebhookSettings,
} from '../../contract/notify-channel-kinds.js';
import {
  credentialText,
  DEFAULT_HTTP_TIMEOUT_MS,
  endpointName,
  firstLine,
  type HttpCallOptions,
  type HttpTransportOptions,
  idempotencyKey,
  isSuccess,
  postOnce,
  redact,
  replyDetail,
  type SendFailure,
  statusFailure,
} from './http-delivery.js';
import {
  accountTypeProblem,
  type ChannelCredential,
  type OutgoingMessage,
  type SendResult,
  type Transport,
} from './transport.js';

export interface TeamsTransportOptions extends HttpTransportOptions {
  /** Milliseconds since the epoch; access tokens are cached against it. Default Date.now. */
  now?: () => number;
}

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

// ---------------------------------------------------------------- channel links

/** What a Teams "link to channel" URL names. */
export interface TeamsChannelLink {
  /** The team's group id (GUID). */
  teamId: string;
  /** Decoded thread id, e.g. `19:abc…@thread.tacv2`. */
  channelId: string;
  channelName: string;
  tenantId?: string;
}

const GUID = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i;
const TEAMS_HOST = /(^|\.)(teams\.microsoft\.(com|us)|teams\.cloud\.microsoft)$/i;

const decode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/**
 * Parses `https://teams.microsoft.com/l/channel/<url-encoded channel id>/<name>?groupId=<team>&tenantId=<tenant>`
 * (also the GCC High, DoD and teams.cloud.microsoft hosts); undefined when `link` is not such a link.
 */
export function parseTeamsChannelLink(link: string): TeamsChannelLink | undefined {
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || !TEAMS_HOST.test(url.hostname)) return undefined;
  const m = /^\/l\/channel\/([^/]+)\/([^/]*)\/?$/.exec(url.pathname);
  const channelId = m?.[1] === undefined ? undefined : decode(m[1]);
  if (!channelId || !/^19:[^\s/?#]+@thread\.[a-z0-9]+$/i.test(channelId)) return undefined;
  const teamId = url.searchParams.get('groupId') ?? '';
  if (!GUID.test(teamId)) return undefined;
  const tenantId = url.searchParams.get('tenantId') ?? undefined;
  if (tenantId !== undefined && !GUID.test(tenantId)) return undefined;
  const channelName = decode(m?.[2] ?? '') ?? '';
  return { teamId, channelId, channelName, ...(tenantId ? { tenantId } : {}) };
}

// ---------------------------------------------------------------- cards

/**
 * The Adaptive Card to post: the body itself when it is the JSON of one (the channel's rendered template),
 * otherwise a minimal card holding the subject and the text.
 */
export function adaptiveCardOf(message: Pick<OutgoingMessage, 'subject' | 'body'>): Record<string, unknown> {
  const text = message.body.trim();
  if (text.startsWith('{')) {
    try {
      const card: unknown = JSON.parse(text);
      if (typeof card === 'object' && card !== null && (card as { type?: unknown }).type === 'AdaptiveCard') {
        return card as Record<string, unknown>;
      }
    } catch {
      // Not JSON: posted as text below.
    }
  }
  const body: Record<string, unknown>[] = [];
  if (message.subject.trim() !== '') {
    body.push({ type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, text: message.subject });
  }
  body.push({ type: 'TextBlock', wrap: true, text: message.body });
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body,
  };
}

// ---------------------------------------------------------------- Graph sign-in

/** AADSTS codes meaning the sign-in needs multi-factor authentication (or its enrolment). */
const MFA_CODES = new Set(['50072', '50074', '50076', '50079', '50158']);

interface CachedToken {
  token: string;
  expiresAt: number;
}

type TokenOutcome = { ok: true; token: string; expiresAt: number } | { ok: false; failure: SendFailure };

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** Why Entra ID refused the password grant, as a failure: MFA and refused grants are final (S38). */
export function tokenFailure(
  status: number,
  text: string,
  userName: string,
  secrets: readonly string[],
): SendFailure {
  let json: { error?: unknown; error_description?: unknown; error_codes?: unknown } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // A reply that is not JSON (a proxy page): the status decides.
  }
  const error = typeof json.error === 'string' ? json.error : undefined;
  const description = typeof json.error_description === 'string' ? json.error_description : '';
  const firstCode = Array.isArray(json.error_codes) ? json.error_codes[0] : undefined;
  const code =
    /AADSTS(\d+)/.exec(description)?.[1] ?? (firstCode === undefined ? undefined : String(firstCode));
  const who = `Entra ID refused the sign-in of ${userName}`;
  if (code && MFA_CODES.has(code)) {
    return {
      ok: false,
      retryable: false,
      reason: `${who}: multi-factor authentication is required (AADSTS${code}); the Teams channel needs an account without MFA (R47)`,
    };
  }
  const explanation = firstLine(redact(description.replace(/^AADSTS\d+:\s*/, ''), secrets), 160);
  const parts = [error ?? `HTTP ${status}`, code ? `AADSTS${code}` : undefined].filter(Boolean).join(', ');
  const reason = `${who} (${parts})${explanation ? `: ${explanation}` : ''}`;
  const retryable = status === 429 || status >= 500 || error === 'temporarily_unavailable';
  return { ok: false, retryable, reason };
}

function createTokenSource(settings: TeamsGraphSettings, now: () => number, timeoutMs: number) {
  const tokenUrl = `${trimSlash(settings.authorizationUrl)}/${encodeURIComponent(settings.tenantId)}/oauth2/v2.0/token`;
  const scope = `${new URL(settings.graphApiUrl).origin}/ChannelMessage.Send`;
  const cache = new Map<string, CachedToken>();
  // The password's hash is in the key, so a changed password signs in anew.
  const keyOf = (userName: string, password: string) =>
    `${userName}\n${createHash('sha256').update(password).digest('hex')}`;
  const pending = new Map<string, Promise<TokenOutcome>>();

  async function request(userName: string, password: string, signal?: AbortSignal): Promise<TokenOutcome> {
    const body = new URLSearchParams({
      grant_type: 'password',
      client_id: settings.clientId,
      username: userName,
      password,
      scope,
    }).toString();
    const outcome = await postOnce(
      { url: tokenUrl, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
      { timeoutMs, signal },
    );
    if (!outcome.ok) return outcome;
    const { reply } = outcome;
    if (!isSuccess(reply.status)) {
      return { ok: false, failure: tokenFailure(reply.status, reply.text, userName, [password]) };
    }
    let parsed: { access_token?: unknown; expires_in?: unknown } = {};
    try {
      parsed = JSON.parse(reply.text) as typeof parsed;
    } catch {
      // Checked below.
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      const reason = `the sign-in at ${endpointName(tokenUrl)} answered without an access token`;
      return { ok: false, failure: { ok: false, retryable: false, reason } };
    }
    const lifetime =
      typeof parsed.expires_in === 'number' ? parsed.expires_in : Number(parsed.expires_in ?? 0);
    const seconds = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : 0;
    // Renew a little before the end so a token never expires on its way to Graph.
    const margin = Math.min(300, seconds / 2);
    return { ok: true, token: parsed.access_token, expiresAt: now() + (seconds - margin) * 1000 };
  }

  return {
    /** A valid access token for the account: cached until shortly before it expires; one request at a time. */
    async get(userName: string, password: string, signal?: AbortSignal): Promise<TokenOutcome> {
      const key = keyOf(userName, password);
      const cached = cache.get(key);
      if (cached && cached.expiresAt > now()) return { ok: true, ...cached };
      let inFlight = pending.get(key);
      if (!inFlight) {
        inFlight = request(userName, password, signal).finally(() => pending.delete(key));
        pending.set(key, inFlight);
      }
      const outcome = await inFlight;
      if (outcome.ok && outcome.expiresAt > now()) {
        cache.set(key, { token: outcome.token, expiresAt: outcome.expiresAt });
      }
      return outcome;
    },
    forget(userName: string, password: string): void {
      cache.delete(keyOf(userName, password));
    },
  };
}

// ---------------------------------------------------------------- Graph transport

/** R47, DESIGN Q12: Graph posts as an Entra user signed in with a Simple Authentication account. */
export const teamsGraphAccountTypes: readonly AccountType[] = ['simple'];

function graphMessage(message: OutgoingMessage, card: Record<string, unknown>): Record<string, unknown> {
  const id = message.deliveryId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64) || 'alert';
  return {
    ...(message.subject.trim() !== '' ? { subject: message.subject.slice(0, 255) } : {}),
    body: { contentType: 'html', content: `<attachment id="${id}"></attachment>` },
    attachments: [
      { id, contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: JSON.stringify(card) },
    ],
  };
}

const graphHints: Record<number, string> = {
  403: 'the account must be a member of the channel and the app needs ChannelMessage.Send with admin consent (R47)',
  404: 'the team or channel of the link does not exist or the account cannot see it',
};

function createGraphTransport(settings: TeamsGraphSettings, opts: TeamsTransportOptions): Transport {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const tokens = createTokenSource(settings, now, timeoutMs);
  const graphHost = endpointName(settings.graphApiUrl);

  return {
    async send(message, target, credential, signal): Promise<SendResult> {
      const link = parseTeamsChannelLink(target.address);
      if (!link) {
        return {
          ok: false,
          retryable: false,
          reason: `the Teams address "${firstLine(target.address, 120)}" is not a "link to channel" URL`,
        };
      }
      if (
        link.tenantId &&
        GUID.test(settings.tenantId) &&
        link.tenantId.toLowerCase() !== settings.tenantId.toLowerCase()
      ) {
        return {
          ok: false,
          retryable: false,
          reason: `the channel link belongs to tenant ${link.tenantId}, and the Teams channel signs in to ${settings.tenantId}`,
        };
      }
      const problem = accountTypeProblem('Teams channel', teamsGraphAccountTypes, credential);
      if (problem) return { ok: false, retryable: false, reason: problem };
      const account = simpleAccount(credential);
      if (!account) {
        return {
          ok: false,
          retryable: false,
          reason: 'the Simple Authentication account of the Teams channel has no user name or password',
        };
      }
      const call: HttpCallOptions = { timeoutMs, signal };
      const url = `${trimSlash(settings.graphApiUrl)}/v1.0/teams/${encodeURIComponent(link.teamId)}/channels/${encodeURIComponent(link.channelId)}/messages`;
      const body = JSON.stringify(graphMessage(message, adaptiveCardOf(message)));

      // A cached token refused with 401 may have been revoked: one new sign-in, one more try.
      for (let attempt = 0; ; attempt++) {
        const token = await tokens.get(account.userName, account.password, signal);
        if (!token.ok) return token.failure;
        const headers = {
          'content-type': 'application/json',
          authorization: `Bearer ${token.token}`,
          'idempotency-key': idempotencyKey(message.deliveryId),
        };
        const outcome = await postOnce({ url, headers, body }, call);
        if (!outcome.ok) return outcome.failure;
        const { reply } = outcome;
        if (reply.status === 401 && attempt === 0) {
          tokens.forget(account.userName, account.password);
          continue;
        }
        if (!isSuccess(reply.status)) {
          const detail = replyDetail(reply.text, [token.token, account.password]);
          const hint = graphHints[reply.status];
          return statusFailure(graphHost, reply, [detail, hint].filter(Boolean).join('; '));
        }
        const id = messageId(reply.text);
        const where = link.channelName ? `channel "${link.channelName}"` : 'the channel';
        return {
          ok: true,
          detail: `posted to ${where} as ${account.userName}${id ? `, message ${id}` : ''}`,
        };
      }
    },
  };
}

function simpleAccount(
  credential: ChannelCredential | undefined,
): { userName: string; password: string } | undefined {
  const userName = credentialText(credential?.publicFields, 'userName');
  const password = credentialText(credential?.secret, 'password');
  return userName && password ? { userName, password } : undefined;
}

function messageId(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' && /^[\w.-]{1,64}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- webhook transport

/** Whether `hostname` matches a pattern: `name` exactly, `*.name` for any host below name. */
export function hostMatches(hostname: string, patterns: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return patterns.some((p) => (p.startsWith('*.') ? host.endsWith(p.slice(1)) : host === p.toLowerCase()));
}

function createWebhookTransport(settings: TeamsWebhookSettings, opts: TeamsTransportOptions): Transport {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;

  return {
    async send(message, target, _credential, signal): Promise<SendResult> {
      let url: URL | undefined;
      try {
        url = new URL(target.address.trim());
      } catch {
        url = undefined;
      }
      // The URL's path and query are its key: reasons name the host only.
      if (!url || !isSecureOrLoopbackUrl(url.href)) {
        return {
          ok: false,
          retryable: false,
          reason: 'the Teams address is not an https:// incoming-webhook URL',
        };
      }
      if (!hostMatches(url.hostname, settings.webhookHosts)) {
        return {
          ok: false,
          retryable: false,
          reason: `the webhook host ${url.host} is not one the Teams channel allows (webhookHosts)`,
        };
      }
      const payload = {
        type: 'message',
        attachments: [
          { contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: adaptiveCardOf(message) },
        ],
      };
      const outcome = await postOnce(
        {
          url: url.href,
          headers: {
            'content-type': 'application/json',
            'idempotency-key': idempotencyKey(message.deliveryId),
          },
          body: JSON.stringify(payload),
        },
        { timeoutMs, signal },
      );
      if (!outcome.ok) return outcome.failure;
      const { reply } = outcome;
      // Office 365 connectors answer 200 and report a throttled or failed post in the text.
      const embedded = /returned HTTP error (\d{3})/i.exec(reply.text)?.[1];
      if (!isSuccess(reply.status) || embedded) {
        const status = embedded ? Number(embedded) : reply.status;
        return statusFailure(url.host, { ...reply, status }, replyDetail(reply.text));
      }
      return { ok: true, detail: `posted to the incoming webhook at ${url.host}` };
    },
  };
}

// ---------------------------------------------------------------- factory

export function createTeamsTransport(
  settings: TeamsChannelSettings,
  opts: TeamsTransportOptions = {},
): Transport {
  return settings.mode === 'graph'
    ? createGraphTransport(settings, opts)
    : createWebhookTransport(settings, opts);
}
