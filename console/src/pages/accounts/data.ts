// The Run As data the account pages share, read through the contract's schemas.
import { useQuery } from '@tanstack/react-query';
import { accountSchema, associationSchema } from '../../../../src/contract/accounts.js';
import { listOf } from '../../../../src/contract/client.js';
import { computerListSchema, poolSchema } from '../../../../src/contract/inventory.js';
import { profileListResponse } from '../../../../src/contract/packs.js';
import { suggestionSchema } from '../../../../src/contract/resolution.js';
import { serverSchema } from '../../../../src/contract/servers.js';
import { api } from '../../api.js';

export const useAccounts = (enabled = true) =>
  useQuery({
    queryKey: ['accounts'],
    enabled,
    queryFn: async () => (await api.get('/api/v1/accounts', { schema: listOf(accountSchema) })).items,
  });

export const useAccount = (id: string) =>
  useQuery({
    queryKey: ['accounts', id],
    queryFn: () => api.get(`/api/v1/accounts/${encodeURIComponent(id)}`, { schema: accountSchema }),
  });

export const useProfiles = () =>
  useQuery({
    queryKey: ['profiles'],
    queryFn: async () => (await api.get('/api/v1/profiles', { schema: profileListResponse })).items,
  });

const associationList = listOf(associationSchema);

/** Every association of every profile, with its profile: where each account is used. */
export const useUses = (enabled = true) =>
  useQuery({
    queryKey: ['associations', 'all'],
    enabled,
    queryFn: async () => {
      const profiles = (await api.get('/api/v1/profiles', { schema: profileListResponse })).items;
      const lists = await Promise.all(
        profiles.map(async (p) => ({
          profile: p,
          items: (
            await api.get(`/api/v1/profiles/${encodeURIComponent(p.id)}/associations`, {
              schema: associationList,
            })
          ).items,
        })),
      );
      return lists.flatMap((l) => l.items.map((a) => ({ ...a, profile: l.profile })));
    },
  });

/** Everything an account may be distributed to: computers, management servers and pools, by id. */
export const useTargets = () =>
  useQuery({
    queryKey: ['distribution-targets'],
    queryFn: async () => {
      const [computers, servers, pools] = await Promise.all([
        api.get('/api/v1/computers', { query: { limit: 1000 }, schema: computerListSchema }),
        api.get('/api/v1/servers', { schema: listOf(serverSchema) }),
        api.get('/api/v1/pools', { schema: listOf(poolSchema) }),
      ]);
      return [
        ...computers.items.map((c) => ({
          id: c.id,
          name: c.displayName || c.name,
          kind: 'Computer' as const,
        })),
        ...servers.items.map((s) => ({ id: s.id, name: s.name, kind: 'Management server' as const })),
        ...pools.items.map((p) => ({ id: p.id, name: p.displayName, kind: 'Resource pool' as const })),
      ];
    },
  });
export type Target = NonNullable<ReturnType<typeof useTargets>['data']>[number];

export const useSuggestion = (id: string) =>
  useQuery({
    queryKey: ['accounts', id, 'suggested'],
    queryFn: () =>
      api.get(`/api/v1/accounts/${encodeURIComponent(id)}/distribution/suggested`, {
        schema: suggestionSchema,
      }),
  });
