// The catalogue of error codes: the HTTP status each maps to and the CLI exit code that follows from it.
import { z } from 'zod';

export const errorCodes = {
  VALIDATION_FAILED: { status: 400, exit: 2 },
  UNAUTHENTICATED: { status: 401, exit: 3 },
  AGENT_REVOKED: { status: 401, exit: 3 },
  FORBIDDEN: { status: 403, exit: 4 },
  PASSWORD_CHANGE_REQUIRED: { status: 403, exit: 4 },
  NOT_FOUND: { status: 404, exit: 5 },
  ALREADY_EXISTS: { status: 409, exit: 6 },
  CONFLICT: { status: 409, exit: 6 },
  PACK_VERSION_OLDER: { status: 409, exit: 6 },
  RULE_VIOLATION: { status: 422, exit: 7 },
  IN_USE: { status: 422, exit: 7 },
  DEPENDENT_PACKS: { status: 422, exit: 7 },
  PACK_SEALED: { status: 422, exit: 7 },
  MISSING_REFERENCE: { status: 422, exit: 7 },
  PAYLOAD_TOO_LARGE: { status: 413, exit: 2 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, exit: 2 },
  TOO_MANY_REQUESTS: { status: 429, exit: 8 },
  UNAVAILABLE: { status: 503, exit: 8 },
  INTERNAL: { status: 500, exit: 1 },
} as const satisfies Record<string, { status: number; exit: number }>;

export type ErrorCode = keyof typeof errorCodes;

export const issueSchema = z.object({ path: z.string(), message: z.string() });
export type Issue = z.infer<typeof issueSchema>;

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    issues: z.array(issueSchema).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export function exitCodeFor(code: string): number {
  return (errorCodes as Record<string, { exit: number }>)[code]?.exit ?? 1;
}

/** Turns a Zod error into issues whose paths read like `body.classes[2].baseClass`. */
export function zodIssues(error: z.ZodError, prefix = ''): Issue[] {
  return error.issues.map((i) => ({ path: formatPath(prefix, i.path), message: i.message }));
}

export function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}
