// The data of the automation administration pages (assets and connection types, worker groups, identities, role
// assignments, the legacy Run As account), read through the contract's schemas.
import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { agentSchema } from '../../../../src/contract/agents.js';
import {
  type AssetKind,
  assetCollections,
  assetSchema,
  connectionTypeSchema,
} from '../../../../src/contract/automation-assets.js';
import { workerGroupListResponse, workerGroupSchema } from '../../../../src/contract/hybrid-workers.js';
import { userAssignedIdentitySchema } from '../../../../src/contract/identities.js';
import { roleAssignmentSchema } from '../../../../src/contract/role-assignments.js';
import { runAsAccountSchema } from '../../../../src/contract/runas.js';
import { ApiError, api } from '../../api.js';

const enc = encodeURIComponent;

export const useAssets = (accountId: string, kind: AssetKind) =>
  useQuery({
    queryKey: ['assets', accountId, kind],
    queryFn: async () =>
      (
        await api.get(`/api/v1/automation-accounts/${enc(accountId)}/${assetCollections[kind]}`, {
          schema: z.object({ items: z.array(assetSchema) }),
        })
      ).items,
  });

/** The account's connection types, built-in and user-defined, by name. */
export const useConnectionTypes = (accountId: string) =>
  useQuery({
    queryKey: ['connection-types', accountId],
    queryFn: async () =>
      (
        await api.get(`/api/v1/automation-accounts/${enc(accountId)}/connection-types`, {
          schema: z.object({ items: z.array(connectionTypeSchema) }),
        })
      ).items,
  });

export const useWorkerGroups = () =>
  useQuery({
    queryKey: ['worker-groups'],
    queryFn: async () => (await api.get('/api/v1/worker-groups', { schema: workerGroupListResponse })).items,
  });

export const useWorkerGroup = (id: string) =>
  useQuery({
    queryKey: ['worker-groups', id],
    queryFn: () => api.get(`/api/v1/worker-groups/${enc(id)}`, { schema: workerGroupSchema }),
  });

/** Agents to add to a group; only administrators may list them. */
export const useAgents = (enabled: boolean) =>
  useQuery({
    queryKey: ['agents'],
    enabled,
    queryFn: async () =>
      (await api.get('/api/v1/agents', { schema: z.object({ items: z.array(agentSchema) }) })).items,
  });

export const useUserAssignedIdentities = () =>
  useQuery({
    queryKey: ['user-assigned-identities'],
    queryFn: async () =>
      (
        await api.get('/api/v1/user-assigned-identities', {
          schema: z.object({ items: z.array(userAssignedIdentitySchema) }),
        })
      ).items,
  });

/** Role assignments at a scope (and beneath it) and/or of one principal. */
export const useRoleAssignments = (filter: { scope?: string; principalId?: string }, enabled = true) =>
  useQuery({
    queryKey: ['role-assignments', filter],
    enabled,
    queryFn: async () =>
      (
        await api.get('/api/v1/role-assignments', {
          query: filter,
          schema: z.object({ items: z.array(roleAssignmentSchema) }),
        })
      ).items,
  });

/** The account's legacy Run As account, or null when it has none. */
export const useRunAsAccount = (accountId: string) =>
  useQuery({
    queryKey: ['run-as-account', accountId],
    queryFn: async () => {
      try {
        return await api.get(`/api/v1/automation-accounts/${enc(accountId)}/run-as-account`, {
          schema: runAsAccountSchema,
        });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
  });
