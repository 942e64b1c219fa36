// The data of the Policy page (definitions, assignments, compliance), read through the contract's schemas.
import { useQuery } from '@tanstack/react-query';
import { listOf } from '../../../../src/contract/client.js';
import {
  complianceRecordSchema,
  type complianceStates,
  policyAssignmentSchema,
  policyDefinitionSchema,
} from '../../../../src/contract/policy.js';
import { api } from '../../api.js';

/** Every policy query starts with this key: a change of an assignment refreshes them all. */
export const policyKey = ['policy'] as const;

export const usePolicyDefinitions = () =>
  useQuery({
    queryKey: [...policyKey, 'definitions'],
    queryFn: async () =>
      (await api.get('/api/v1/policy/definitions', { schema: listOf(policyDefinitionSchema) })).items,
  });

/** Assignments; only administrators may list them, so others do not ask. */
export const usePolicyAssignments = (enabled: boolean) =>
  useQuery({
    queryKey: [...policyKey, 'assignments'],
    enabled,
    queryFn: async () =>
      (await api.get('/api/v1/policy/assignments', { schema: listOf(policyAssignmentSchema) })).items,
  });

export const useCompliance = (state: (typeof complianceStates)[number] | undefined) =>
  useQuery({
    queryKey: [...policyKey, 'compliance', state ?? 'all'],
    queryFn: async () =>
      (
        await api.get('/api/v1/policy/compliance', {
          query: { state },
          schema: listOf(complianceRecordSchema),
        })
      ).items,
  });

/** What each effect does, as the page and the dialog explain it. */
export const effectHelp: Record<string, string> = {
  Deny: 'Deny refuses a change that would make an account non-compliant.',
  Audit: 'Audit lets the change through and records it as non-compliant.',
  Disabled: 'Disabled evaluates nothing.',
};
