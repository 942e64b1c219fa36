// What every notification channel transport does: deliver one rendered message to one address, signing in
// with the channel's credential when it needs one, and say whether a failure is worth another try.
import type { AccountType } from '../../contract/accounts.js';
import type { OpenedCredential } from '../../contract/agents.js';

/** A message already rendered from the channel's templates for one alert change. */
export interface OutgoingMessage {
  subject: string;
  body: string;
  bodyIsHtml: boolean;
  /** The alert fields for transports that pass them on as they are (command arguments, Adaptive Cards). */
  fields: Record<string, string>;
  /** A stable id of this delivery (the outbox row): e-mail Message-ID, idempotency headers. */
  deliveryId: string;
  /** Names of the subscriptions the message serves (one message per address and change); e-mail shows them. */
  subscriptions?: readonly string[];
}

export interface DeliveryTarget {
  /** E-mail address, sip: URI, sms: number, Teams channel link or webhook URL; empty for command channels. */
  address: string;
  /** E-mail only: To, Cc or Bcc (envelope only). */
  role: 'to' | 'cc' | 'bcc';
}

/** The Run As account the channel signs in with: user name and secret fields, opened in memory only. */
export type ChannelCredential = Pick<OpenedCredential, 'type' | 'publicFields' | 'secret'>;

/** "an account of type a, b or c". */
export const accountOfType = (types: readonly string[]): string =>
  `an account of type ${[types.slice(0, -1).join(', '), types.at(-1)].filter(Boolean).join(' or ')}`;

/**
 * Why `credential` cannot sign in to `channel` (e.g. "Teams channel"), which takes accounts of the `accepted`
 * types (R37, R47); undefined when it can. The reason names account types only, never a field of the account.
 */
export function accountTypeProblem(
  channel: string,
  accepted: readonly AccountType[],
  credential: ChannelCredential | undefined,
): string | undefined {
  const wanted = accountOfType(accepted);
  if (credential === undefined) return `the ${channel} signs in with ${wanted}, and none was given`;
  if ((accepted as readonly string[]).includes(credential.type)) return undefined;
  return `the ${channel} signs in with ${wanted}, and the account of its profile is of type ${credential.type}`;
}

export type SendResult =
  | { ok: true; detail: string }
  | {
      ok: false;
      /** false when trying again cannot help (refused credentials, MFA required, bad address). */
      retryable: boolean;
      /**
       * `recipient`: the channel works, only this address was put off for now (greylisting). Absent: a
       * retryable failure is the channel's — no server or gateway took the message — and pauses it.
       */
      scope?: 'recipient';
      /** Why, fit for the delivery list and logs: never a secret. */
      reason: string;
    };

export interface Transport {
  send(
    message: OutgoingMessage,
    target: DeliveryTarget,
    credential: ChannelCredential | undefined,
    signal?: AbortSignal,
  ): Promise<SendResult>;
  close?(): Promise<void>;
}

/** R39: an ordered list of endpoints — the first is primary; after a failure the next ones are tried, and the
 * primary again once `primaryRetryMs` has passed since it last failed. */
export interface FailoverState {
  /** Index of the endpoint in use. */
  current: number;
  /** When the primary last failed (the switch away from it, or a later try of it); null while on the primary. */
  since: number | null;
}
