// Turning a contract schema's refusal into the form's messages, keyed by field path as the API keys them.
import type { z } from 'zod';

export function issuesOf(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.');
    out[key] ??= issue.message;
  }
  return out;
}
