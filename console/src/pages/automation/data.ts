// The automation data the console's pages share, read through the contract's schemas.
import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import {
  automationAccountSchema,
  type RunbookContent,
  runbookContentResponse,
  runbookSchema,
  runbookVersionSchema,
} from '../../../../src/contract/automation.js';
import { jobListResponse, jobSchema } from '../../../../src/contract/automation-jobs.js';
import { scheduleSchema, webhookSchema } from '../../../../src/contract/automation-schedules.js';
import { listOf } from '../../../../src/contract/client.js';
import { hasEnded } from '../../../../src/domain/automation/jobs.js';
import { api } from '../../api.js';

const enc = encodeURIComponent;

export const useAutomationAccounts = () =>
  useQuery({
    queryKey: ['automation-accounts'],
    queryFn: async () =>
      (await api.get('/api/v1/automation-accounts', { schema: listOf(automationAccountSchema) })).items,
  });

export const useAutomationAccount = (id: string) =>
  useQuery({
    queryKey: ['automation-accounts', id],
    queryFn: () => api.get(`/api/v1/automation-accounts/${enc(id)}`, { schema: automationAccountSchema }),
  });

export const useRunbooks = (accountId: string) =>
  useQuery({
    queryKey: ['runbooks', 'of', accountId],
    queryFn: async () =>
      (
        await api.get(`/api/v1/automation-accounts/${enc(accountId)}/runbooks`, {
          schema: listOf(runbookSchema),
        })
      ).items,
  });

export const useRunbook = (id: string) =>
  useQuery({
    queryKey: ['runbooks', id],
    queryFn: () => api.get(`/api/v1/runbooks/${enc(id)}`, { schema: runbookSchema }),
  });

/** The content of the draft, the published version, or a version by number. */
export const useRunbookContent = (id: string, version: 'draft' | 'published' | number, enabled = true) =>
  useQuery({
    queryKey: ['runbooks', id, 'content', String(version)],
    enabled,
    queryFn: (): Promise<RunbookContent> =>
      api.get(`/api/v1/runbooks/${enc(id)}/content`, {
        query: { version: String(version) },
        schema: runbookContentResponse,
      }),
  });

export const useRunbookVersions = (id: string) =>
  useQuery({
    queryKey: ['runbooks', id, 'versions'],
    queryFn: async () =>
      (await api.get(`/api/v1/runbooks/${enc(id)}/versions`, { schema: listOf(runbookVersionSchema) })).items,
  });

/** Jobs, newest first, of an account or a runbook; refreshed every few seconds while one has not ended. */
export const useJobs = (filter: { account?: string; runbook?: string; status?: string }) =>
  useQuery({
    queryKey: ['jobs', filter],
    queryFn: async () =>
      (await api.get('/api/v1/jobs', { query: { ...filter, limit: 100 }, schema: jobListResponse })).items,
    refetchInterval: (q) => (q.state.data?.some((j) => !hasEnded(j.status)) ? 3000 : false),
  });

export const useJob = (id: string) =>
  useQuery({
    queryKey: ['jobs', id],
    queryFn: () => api.get(`/api/v1/jobs/${enc(id)}`, { schema: jobSchema }),
  });

export const useSchedules = (accountId: string) =>
  useQuery({
    queryKey: ['schedules', 'of', accountId],
    queryFn: async () =>
      (
        await api.get(`/api/v1/automation-accounts/${enc(accountId)}/schedules`, {
          schema: listOf(scheduleSchema),
        })
      ).items,
  });

export const useWebhooks = (accountId: string) =>
  useQuery({
    queryKey: ['webhooks', 'of', accountId],
    queryFn: async () =>
      (
        await api.get(`/api/v1/automation-accounts/${enc(accountId)}/webhooks`, {
          schema: z.object({ items: z.array(webhookSchema) }),
        })
      ).items,
  });

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
