// The mail side of `npm run bench -- notify`: a local SMTP server that notes each message's arrival, and raw
// nodemailer sending to it, the baseline the notifier is measured against.
import type { AddressInfo } from 'node:net';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { forEachConcurrently } from './agent-fleet.js';
import { round } from './bench-stats.js';

/** What the server's notifier sends at once (its default), and so what the baseline sends at once too. */
export const NOTIFIER_CONCURRENCY = 16;
/** The sender of every message, the notifier's and the baseline's. */
export const FROM = 'steward@bench.example';

interface Receipt {
  at: number;
  subject: string;
  messageId: string;
}

/** A local SMTP server that notes when each message arrived, its subject and Message-ID. */
export async function startRecordingSmtp(delayMs: number) {
  const received: Receipt[] = [];
  const server = new SMTPServer({
    // Senders keep pooled connections open: stopping does not wait for them to hang up.
    closeTimeout: 200,
    logger: false,
    disableReverseLookup: true,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    maxClients: 10_000,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const at = performance.now();
        const raw = Buffer.concat(chunks).toString('utf8');
        const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
        const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
        received.push({ at, subject: header('Subject'), messageId: header('Message-ID') });
        if (delayMs > 0) setTimeout(() => cb(), delayMs);
        else cb();
      });
    },
  });
  // A connection that ends badly is the sender's problem: what counts is what arrived.
  server.on('error', () => undefined);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

export type Smtp = Awaited<ReturnType<typeof startRecordingSmtp>>;

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
  const seen = () => smtp.received.filter((m) => m.subject.startsWith(tag)).length;
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
