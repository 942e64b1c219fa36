// Long-polls (an agent waiting for its configuration, a task run or a job) end when their caller goes away and
// when the server starts to stop: a stop never waits out a poll, and the callers ask again, of another server or
// of this one once it is back.
import type { FastifyInstance, FastifyReply } from 'fastify';

const closing = new WeakMap<object, AbortController>();

/**
 * Makes `app` end its long-polls when it starts to close (before it waits for the requests in flight). Called
 * once on the root instance, before the routes are registered.
 */
export function endLongPollsOnClose(app: FastifyInstance): void {
  const controller = new AbortController();
  closing.set(app.server, controller);
  app.addHook('preClose', async () => controller.abort());
}

/** A signal that fires when the caller goes away or the server starts to stop; `release` when the poll ends. */
export function longPollSignal(reply: FastifyReply): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const stopping = closing.get(reply.server.server)?.signal;
  reply.raw.once('close', abort);
  stopping?.addEventListener('abort', abort, { once: true });
  if (stopping?.aborted) abort();
  return {
    signal: controller.signal,
    release: () => {
      reply.raw.off('close', abort);
      stopping?.removeEventListener('abort', abort);
    },
  };
}
