// Database errors made safe to print: a failed query's message carries its parameters, which must not
// reach a log or a terminal (they may hold hashes or sealed values).
import { DrizzleQueryError } from 'drizzle-orm/errors';

export function redactDbError(err: unknown): unknown {
  if (!(err instanceof DrizzleQueryError)) return err;
  const cause = err.cause as { message?: string; code?: string } | undefined;
  const safe = new Error(`Database query failed: ${cause?.message ?? 'unknown error'}`);
  safe.name = 'DatabaseError';
  (safe as Error & { code?: string }).code = cause?.code;
  // The original message spans several lines (query, then parameters): keep only the frames.
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  safe.stack = [`${safe.name}: ${safe.message}`, ...frames].join('\n');
  return safe;
}

/** One line for a person: the message, never the parameters of a failed query. */
export function errorLine(err: unknown): string {
  const e = redactDbError(err);
  return e instanceof Error ? e.message : String(e);
}
