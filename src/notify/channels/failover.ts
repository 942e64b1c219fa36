// R39 failover over an ordered list of endpoints (SMTP servers, SMS gateways): send through the one in use;
// on failure move to the next; once the primary retry interval has passed since the primary last failed, try
// the primary first again — once per interval, not once per message. With one endpoint the interval changes
// nothing.
import type { FailoverState } from './transport.js';

export const initialFailover = (): FailoverState => ({ current: 0, since: null });

/** The endpoints to try for one message, in order: each at most once. */
export function attemptOrder(
  state: FailoverState,
  count: number,
  now: number,
  primaryRetryMs: number,
): number[] {
  const first =
    state.current !== 0 && state.since !== null && now - state.since >= primaryRetryMs ? 0 : state.current;
  const order = [first];
  for (let i = 1; i < count; i++) order.push((first + i) % count);
  return order;
}

/**
 * The endpoints to try for one message, and the state to keep while it is sent: a message that retries the
 * primary restarts the interval at once, so the messages sent meanwhile go to the endpoint in use instead of
 * waiting on the primary too.
 */
export function planAttempts(
  state: FailoverState,
  count: number,
  now: number,
  primaryRetryMs: number,
): { order: number[]; state: FailoverState } {
  const order = attemptOrder(state, count, now, primaryRetryMs);
  return { order, state: order[0] === 0 && state.current !== 0 ? { ...state, since: now } : state };
}

/**
 * The state after one message. `used` is the endpoint that took it (or answered for good), undefined when none
 * did; `primaryFailed` says the primary was tried for this message and failed. Away from the primary, that
 * failure starts the interval again, so a primary still down costs one attempt per interval.
 */
export function afterAttempt(
  state: FailoverState,
  used: number | undefined,
  now: number,
  primaryFailed: boolean,
): FailoverState {
  if (used === 0) return { current: 0, since: null };
  if (primaryFailed) {
    const current = used ?? state.current;
    return current === 0 ? { current: 0, since: null } : { current, since: now };
  }
  // This message did not try the primary: the channel stays where it is, even where another message sent
  // meanwhile took it back to the primary.
  if (used === undefined || state.current === 0) return state;
  return { current: used, since: state.since ?? now };
}
