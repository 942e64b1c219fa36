// The administration data the people, token and audit pages share, read through the contract's schemas.
import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { auditRecordSchema } from '../../../../src/contract/audit.js';
import { tokenSchema, userSchema } from '../../../../src/contract/auth.js';
import { api } from '../../api.js';

export const useUsers = (enabled = true) =>
  useQuery({
    queryKey: ['users'],
    enabled,
    queryFn: async () =>
      (await api.get('/api/v1/users', { schema: z.object({ items: z.array(userSchema) }) })).items,
  });

/** Your own tokens, or everyone's for an administrator who asks. */
export const useTokens = (all: boolean) =>
  useQuery({
    queryKey: ['tokens', all],
    queryFn: async () =>
      (
        await api.get('/api/v1/tokens', {
          query: all ? { all: 'true' } : {},
          schema: z.object({ items: z.array(tokenSchema) }),
        })
      ).items,
  });

export interface AuditFilter {
  actor?: string;
  kind?: string;
  since?: string;
  until?: string;
}

/** Audit records, oldest first as the API gives them, from `afterSeq` on. */
export const useAudit = (filter: AuditFilter, afterSeq: number, enabled = true) =>
  useQuery({
    queryKey: ['audit', filter, afterSeq],
    enabled,
    queryFn: async () =>
      (
        await api.get('/api/v1/audit', {
          query: { ...filter, afterSeq, limit: 200 },
          schema: z.object({ items: z.array(auditRecordSchema) }),
        })
      ).items,
  });
