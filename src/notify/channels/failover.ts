// R39 failover over an ordered list of endpoints (SMTP servers, SMS gateways): send through the one in use;
// on failure move to the next; once the primary retry interval has passed since leaving the primary, try
// the primary first again. With one endpoint the interval changes nothing.
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

/** The state after a message went through `used` (or through none: the state stays). */
export function afterAttempt(state: FailoverState, used: number | undefined, now: number): FailoverState {
  if (used === undefined || used === state.current) return used === 0 ? { current: 0, since: null } : state;
  if (used === 0) return { current: 0, since: null };
  return { current: used, since: state.current === 0 ? now : (state.since ?? now) };
}
