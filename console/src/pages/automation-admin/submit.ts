// The state of a form that submits to the API: busy, the refusal, and the API's (or the contract's) messages by
// field path.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { z } from 'zod';
import { fieldErrors, messageOf } from '../../api.js';
import { issuesOf } from '../automation/forms.js';

export function useSubmit() {
  const qc = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return {
    errors,
    error,
    busy,
    /** Checks `body` with the contract's schema first; on success sends it, then refreshes `invalidate`. */
    async run<T>(
      check: { schema: z.ZodType; body: unknown } | null,
      send: () => Promise<T>,
      invalidate: readonly (readonly unknown[])[] = [],
    ): Promise<T | undefined> {
      if (check) {
        const checked = check.schema.safeParse(check.body);
        if (!checked.success) {
          setErrors(issuesOf(checked.error));
          return undefined;
        }
      }
      setBusy(true);
      setErrors({});
      setError(null);
      try {
        const out = await send();
        await Promise.all(invalidate.map((queryKey) => qc.invalidateQueries({ queryKey })));
        setBusy(false);
        return out;
      } catch (err) {
        setErrors(fieldErrors(err));
        setError(messageOf(err));
        setBusy(false);
        return undefined;
      }
    },
  };
}
