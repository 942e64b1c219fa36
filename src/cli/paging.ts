// Fetches list endpoints that page with afterId/nextAfterId: one page, or every page with --all.
import type { z } from 'zod';
import type { Client, QueryValue } from '../contract/client.js';

export async function fetchPaged<T>(
  client: Client,
  path: string,
  schema: z.ZodType<{ items: T[]; nextAfterId: string | null }>,
  opts: { query?: Record<string, QueryValue>; all: boolean; limit: number; afterId?: string },
): Promise<{ items: T[]; nextAfterId: string | null }> {
  const items: T[] = [];
  let afterId = opts.afterId;
  for (;;) {
    const page = await client.request('GET', path, {
      query: { ...opts.query, afterId, limit: opts.all ? 1000 : opts.limit },
      schema,
    });
    items.push(...page.items);
    if (!opts.all || !page.nextAfterId) return { items, nextAfterId: page.nextAfterId };
    afterId = page.nextAfterId;
  }
}
