// The inventory data the Explain, Findings, Inventory and Management Packs pages and the object pickers share,
// read through the contract's schemas.
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, queryOptions, useQueries, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { agentSchema, enrollmentTokenListSchema } from '../../../../src/contract/agents.js';
import { listOf } from '../../../../src/contract/client.js';
import {
  classSchema,
  computerListSchema,
  groupMembersSchema,
  groupSchema,
  objectDetailSchema,
  objectListSchema,
  poolSchema,
} from '../../../../src/contract/inventory.js';
import { packDetailSchema, workflowListResponse } from '../../../../src/contract/packs.js';
import { serverSchema } from '../../../../src/contract/servers.js';
import { api } from '../../api.js';

const enc = encodeURIComponent;

export const useClasses = (enabled = true) =>
  useQuery({
    enabled,
    queryKey: ['classes'],
    queryFn: async () => (await api.get('/api/v1/classes', { schema: listOf(classSchema) })).items,
  });

/**
 * What the user types into a search box, as the API's `search` once the typing pauses (trimmed, at most 200
 * characters); `pending` while the text typed is not yet the one searched.
 */
export function useDebouncedSearch(typed: string): { search: string; pending: boolean } {
  const wanted = typed.trim().slice(0, 200);
  const [search] = useDebouncedValue(wanted, 250);
  return { search, pending: search !== wanted };
}

/** The first `limit` objects, of a class and its derived classes and matching a name search when given. */
export const useObjects = (classId?: string | null, search = '', limit = 1000) =>
  useQuery({
    queryKey: ['objects', classId ?? '', search, limit],
    queryFn: () =>
      api.get('/api/v1/objects', {
        query: { limit, ...(classId ? { class: classId } : {}), ...(search ? { search } : {}) },
        schema: objectListSchema,
      }),
    placeholderData: keepPreviousData,
  });

const objectDetail = (id: string) =>
  queryOptions({
    queryKey: ['objects', 'detail', id],
    queryFn: () => api.get(`/api/v1/objects/${enc(id)}`, { schema: objectDetailSchema }),
  });

export const useObject = (id: string) => useQuery(objectDetail(id));

/**
 * The names of the objects (computers and pools too) these ids name, each read by its id: `nameOf` gives an id
 * unknown or not read yet back as it is; `pending` while a read is under way.
 */
export function useObjectNames(ids: readonly string[]) {
  return useQueries({
    queries: [...new Set(ids)].map(objectDetail),
    combine: (results) => {
      const names = new Map(
        results.flatMap((r) => (r.data ? [[r.data.id, r.data.displayName || r.data.name] as const] : [])),
      );
      return { nameOf: (id: string) => names.get(id) ?? id, pending: results.some((r) => r.isPending) };
    },
  });
}

export const useGroups = (enabled = true) =>
  useQuery({
    enabled,
    queryKey: ['groups'],
    queryFn: async () => (await api.get('/api/v1/groups', { schema: listOf(groupSchema) })).items,
  });

export const useGroupMembers = (id: string) =>
  useQuery({
    queryKey: ['groups', id, 'members'],
    queryFn: () => api.get(`/api/v1/groups/${enc(id)}/members`, { schema: groupMembersSchema }),
  });

export const useComputers = () =>
  useQuery({
    queryKey: ['computers'],
    queryFn: async () =>
      (await api.get('/api/v1/computers', { query: { limit: 1000 }, schema: computerListSchema })).items,
  });

export const useAgents = (enabled = true) =>
  useQuery({
    queryKey: ['agents'],
    enabled,
    queryFn: async () =>
      (await api.get('/api/v1/agents', { schema: z.object({ items: z.array(agentSchema) }) })).items,
  });

export const useEnrollmentTokens = (enabled = true) =>
  useQuery({
    queryKey: ['enrollment-tokens'],
    enabled,
    queryFn: async () =>
      (await api.get('/api/v1/agents/enrollment-tokens', { schema: enrollmentTokenListSchema })).items,
  });

export const usePools = () =>
  useQuery({
    queryKey: ['pools'],
    queryFn: async () => (await api.get('/api/v1/pools', { schema: listOf(poolSchema) })).items,
  });

export const useServers = () =>
  useQuery({
    queryKey: ['servers'],
    queryFn: async () => (await api.get('/api/v1/servers', { schema: listOf(serverSchema) })).items,
  });

export const useWorkflows = (enabled = true) =>
  useQuery({
    queryKey: ['workflows'],
    enabled,
    queryFn: async () => (await api.get('/api/v1/workflows', { schema: workflowListResponse })).items,
  });

export const usePack = (id: string) =>
  useQuery({
    queryKey: ['packs', id],
    queryFn: () => api.get(`/api/v1/packs/${enc(id)}`, { schema: packDetailSchema }),
  });

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
