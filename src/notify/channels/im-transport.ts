// IM channel transport: posts the rendered text to a Slack/Mattermost-compatible chat webhook at
// http(s)://server:port/path, from the channel's sip: return address to the subscriber's sip: address.
import type { AccountType } from '../../contract/accounts.js';
import {
  type ImChannelSettings,
  isSecureOrLoopbackUrl,
  sipUriSchema,
} from '../../contract/notify-channel-kinds.js';
import {
  credentialText,
  DEFAULT_HTTP_TIMEOUT_MS,
  endpointName,
  type HttpTransportOptions,
  idempotencyKey,
  isSuccess,
  postOnce,
  replyDetail,
  statusFailure,
} from './http-delivery.js';
import { accountTypeProblem, type SendResult, type Transport } from './transport.js';

/** The webhook URL of an IM channel: tls posts over https, tcp over http. */
export function imWebhookUrl(settings: ImChannelSettings): string {
  const scheme = settings.protocol === 'tls' ? 'https' : 'http';
  return `${scheme}://${settings.server}:${settings.port}${settings.path}`;
}

/** The JSON the chat server receives. text/plain asks Slack-compatible servers not to format the text. */
export function imPayload(settings: ImChannelSettings, text: string, to: string): Record<string, unknown> {
  const payload: Record<string, unknown> = { text, username: settings.returnAddress, channel: to };
  if (settings.contentType === 'text/plain') payload.mrkdwn = false;
  return payload;
}

/** An `account` channel sends the token of a token account as `Authorization: Bearer`, and nothing else: a
 * password is not a bearer token, and the chat server must never be handed one. */
export const imAccountTypes: readonly AccountType[] = ['token'];

export function createImTransport(settings: ImChannelSettings, opts: HttpTransportOptions = {}): Transport {
  const url = imWebhookUrl(settings);
  const host = endpointName(url);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;

  return {
    async send(message, target, credential, signal): Promise<SendResult> {
      const to = sipUriSchema.safeParse(target.address);
      if (!to.success) {
        return {
          ok: false,
          retryable: false,
          reason: `the IM address "${target.address}" is not a sip: URI`,
        };
      }
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        'idempotency-key': idempotencyKey(message.deliveryId),
      };
      let token: string | undefined;
      if (settings.authentication === 'account') {
        const problem = accountTypeProblem('IM channel', imAccountTypes, credential);
        if (problem) return { ok: false, retryable: false, reason: problem };
        token = credentialText(credential?.secret, 'token');
        if (!token) {
          return {
            ok: false,
            retryable: false,
            reason: 'the token account of the IM channel holds no token',
          };
        }
        if (!isSecureOrLoopbackUrl(url)) {
          return {
            ok: false,
            retryable: false,
            reason: 'the IM channel must use tls to sign in with an account',
          };
        }
        headers.authorization = `Bearer ${token}`;
      }
      const outcome = await postOnce(
        { url, headers, body: JSON.stringify(imPayload(settings, message.body, to.data)) },
        { timeoutMs, signal },
      );
      if (!outcome.ok) return outcome.failure;
      const { reply } = outcome;
      if (!isSuccess(reply.status)) return statusFailure(host, reply, replyDetail(reply.text, [token]));
      return { ok: true, detail: `posted to ${host} for ${to.data}` };
    },
  };
}
