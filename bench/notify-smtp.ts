// The mail side of `npm run bench -- notify`: raw nodemailer sending to the bench's local SMTP server (the tests'
// recording one, which notes each message's arrival), the baseline the notifier is measured against.
import { createTransport } from 'nodemailer';
import type { Mail, Smtp } from '../test/support/smtp-server.js';
import { forEachConcurrently } from './agent-fleet.js';
import { round } from './bench-stats.js';

/** What the server's notifier sends at once (its default), and so what the baseline sends at once too. */
export const NOTIFIER_CONCURRENCY = 16;
/** The sender of every message, the notifier's and the baseline's. */
export const FROM = 'steward@bench.example';

/** The subject of a mail the SMTP server took in: the storm's alerts are told apart by it. */
export const subjectOf = (m: Mail) => m.headers.get('subject') ?? '';
export const messageIdOf = (m: Mail) => m.headers.get('message-id') ?? '';

/** Baseline runs so far: each tags its messages apart from the others'. */
let baselineRuns = 0;

/**
 * Raw nodemailer, the notifier's number of messages at once: through its own pooled transport (connections
 * kept open, as the e-mail channel does), or with one connection per message.
 */
export async function measureBaseline(
  smtp: Smtp,
  count: number,
  pooled: boolean,
  progress: (line: string) => void,
) {
  const tag = `baseline-${pooled ? 'pooled' : 'single'}-${process.pid}-${++baselineRuns}-`;
  const seen = () => smtp.mails.filter((m) => subjectOf(m).startsWith(tag)).length;
  const body = 'Alert: Storm alert\nSeverity: Warning\nPriority: Medium\n'.repeat(8);
  const options = { host: '127.0.0.1', port: smtp.port, ignoreTLS: true, secure: false };
  const pool = pooled ? createTransport({ ...options, pool: true }) : undefined;
  const started = performance.now();
  await forEachConcurrently(
    Array.from({ length: count }, (_, i) => i),
    NOTIFIER_CONCURRENCY,
    async (i) => {
      const transporter = pool ?? createTransport(options);
      try {
        await transporter.sendMail({
          from: FROM,
          to: `person${i % 100}@bench.example`,
          subject: `${tag}${i}`,
          text: body,
          messageId: `<${tag}${i}@bench>`,
        });
      } finally {
        if (!pool) transporter.close();
      }
    },
  );
  const seconds = (performance.now() - started) / 1000;
  pool?.close();
  if (seen() !== count)
    throw new Error(`the baseline sent ${count} messages, the SMTP server took ${seen()}`);
  progress(
    `baseline (${pooled ? 'pooled' : 'a connection each'}): ${count} messages in ${seconds.toFixed(2)} s, ${(count / seconds).toFixed(0)} msg/s`,
  );
  return { messages: count, seconds: round(seconds, 2), messagesPerSecond: round(count / seconds, 1) };
}
