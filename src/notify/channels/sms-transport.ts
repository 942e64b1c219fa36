// SMS channel transport: a Twilio-style form POST (To, From, Body) to HTTP SMS gateways with HTTP Basic
// authentication by the Run As account, failing over from the primary to the backups and back (R39).
import type { AccountType } from '../../contract/accounts.js';
import type { SmsChannelSettings } from '../../contract/notify-channel-kinds.js';
import { afterAttempt, initialFailover, planAttempts } from './failover.js';
import {
  credentialText,
  DEFAULT_HTTP_TIMEOUT_MS,
  endpointName,
  type HttpTransportOptions,
  idempotencyKey,
  isSuccess,
  postOnce,
  replyDetail,
  type SendFailure,
  statusFailure,
} from './http-delivery.js';
import {
  accountTypeProblem,
  type ChannelCredential,
  type FailoverState,
  type SendResult,
  type Transport,
} from './transport.js';

export interface SmsTransportOptions extends HttpTransportOptions {
  /** Milliseconds since the epoch; the primary retry interval is measured on it. Default Date.now. */
  now?: () => number;
}

/** The number of an `sms:` address, separators removed; undefined when it is not one. */
export function smsNumber(address: string): string | undefined {
  const m = /^sms:(.*)$/i.exec(address.trim());
  const number = m?.[1]?.replace(/[\s().-]/g, '');
  return number !== undefined && /^\+?\d{3,20}$/.test(number) ? number : undefined;
}

// GSM 03.38: the default alphabet and, through its escape, the extension table.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';
const GSM = new Set([...GSM_BASIC, ...GSM_EXTENSION]);

/** Gateways take at most this many characters in one (concatenated) message. */
export const SMS_MAX_CHARS = 1600;
const CUT_MARKER = ' […]';

/**
 * At most `SMS_MAX_CHARS` characters (code points, never half a surrogate pair); a longer text is cut and
 * ends with " […]" so the reader knows there was more.
 */
export function capSmsText(text: string): string {
  const chars = [...text];
  if (chars.length <= SMS_MAX_CHARS) return text;
  return chars.slice(0, SMS_MAX_CHARS - [...CUT_MARKER].length).join('') + CUT_MARKER;
}

/** `text` in the GSM 7-bit alphabet: every other character becomes "?", as a PDU-mode modem would send it. */
export const toGsmAlphabet = (text: string): string =>
  [...text.normalize('NFC')].map((c) => (GSM.has(c) ? c : '?')).join('');

/**
 * The gateway takes the account's user name and password as HTTP Basic: a Basic or Simple Authentication account,
 * or the Windows (or Action) account of the Notification Account profile, which SMS channels use by default.
 */
export const smsAccountTypes: readonly AccountType[] = ['basic', 'simple', 'windows', 'action'];

function basicAuth(
  credential: ChannelCredential | undefined,
): { header?: string; password?: string } | string {
  if (!credential) return {};
  const problem = accountTypeProblem('SMS channel', smsAccountTypes, credential);
  if (problem) return problem;
  const user = credentialText(credential.publicFields, 'userName');
  const password = credentialText(credential.secret, 'password');
  if (!user || !password) return 'the SMS channel account needs a user name and a password';
  return { header: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`, password };
}

export function createSmsTransport(settings: SmsChannelSettings, opts: SmsTransportOptions = {}): Transport {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const retryMs = settings.primaryRetryIntervalSeconds * 1000;
  let state: FailoverState = initialFailover();

  return {
    async send(message, target, credential, signal): Promise<SendResult> {
      const to = smsNumber(target.address);
      if (!to) {
        return {
          ok: false,
          retryable: false,
          reason: `the SMS address "${target.address}" is not sms:<number>`,
        };
      }
      const auth = basicAuth(credential);
      if (typeof auth === 'string') return { ok: false, retryable: false, reason: auth };
      const key = idempotencyKey(message.deliveryId);
      const headers: Record<string, string> = {
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': key,
        // Twilio's own name for the same key.
        'i-twilio-idempotency-token': key,
      };
      if (auth.header) headers.authorization = auth.header;
      const text = capSmsText(settings.encoding === 'unicode' ? message.body : toGsmAlphabet(message.body));
      const body = new URLSearchParams({ To: to, From: settings.from, Body: text }).toString();

      const failures: SendFailure[] = [];
      let primaryFailed = false;
      const plan = planAttempts(state, settings.gateways.length, now(), retryMs);
      state = plan.state;
      for (const index of plan.order) {
        const url = settings.gateways[index] as string;
        const host = endpointName(url);
        const outcome = await postOnce({ url, headers, body }, { timeoutMs, signal });
        if (signal?.aborted)
          return { ok: false, retryable: true, reason: 'cancelled before the SMS was sent' };
        if (outcome.ok && isSuccess(outcome.reply.status)) {
          state = afterAttempt(state, index, now(), primaryFailed);
          const sid = messageId(outcome.reply.text);
          const role = index === 0 ? 'primary' : `backup ${index}`;
          return { ok: true, detail: `sent through ${host} (${role})${sid ? `, message ${sid}` : ''}` };
        }
        failures.push(
          outcome.ok
            ? statusFailure(host, outcome.reply, replyDetail(outcome.reply.text, [auth.password]))
            : outcome.failure,
        );
        primaryFailed ||= index === 0;
      }
      state = afterAttempt(state, undefined, now(), primaryFailed);
      return {
        ok: false,
        // A gateway that was down or busy may take the message later; refusals by every gateway are final.
        retryable: failures.some((f) => f.retryable),
        reason: `no SMS gateway took the message: ${failures.map((f) => f.reason).join('; ')}`,
      };
    },
  };
}

function messageId(text: string): string | undefined {
  try {
    const sid = (JSON.parse(text) as { sid?: unknown }).sid;
    return typeof sid === 'string' && /^[\w-]{1,64}$/.test(sid) ? sid : undefined;
  } catch {
    return undefined;
  }
}
