// Assign a built-in policy at a scope ('/' or one automation account) with one of its effects and, where it
// takes any, its parameters; the contract's schema checks the form before anything is sent.
import { Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import {
  createPolicyAssignmentBody,
  type PolicyDefinitionView,
  policyAssignmentSchema,
} from '../../../../src/contract/policy.js';
import type { PolicyEffect } from '../../../../src/domain/policy/policy-definition.js';
import { api } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { useAutomationAccounts } from '../automation/data.js';
import { useSubmit } from '../automation-admin/submit.js';
import { effectHelp, policyKey } from './data.js';

const everyAccount = '/';

export function AssignPolicyDialog({
  definitions,
  onClose,
}: {
  definitions: PolicyDefinitionView[];
  onClose: () => void;
}) {
  const submit = useSubmit();
  const accounts = useAutomationAccounts();
  const [definitionId, setDefinitionId] = useState<string | null>(null);
  const [scope, setScope] = useState<string | null>(everyAccount);
  const [effect, setEffect] = useState<PolicyEffect | null>(null);
  const [parameters, setParameters] = useState<Record<string, string>>({});
  const definition = definitions.find((d) => d.id === definitionId);

  const chooseDefinition = (id: string | null) => {
    setDefinitionId(id);
    setEffect(definitions.find((d) => d.id === id)?.defaultEffect ?? null);
    setParameters({});
  };

  const assign = async () => {
    // A parameter left empty takes the definition's default.
    const given = Object.fromEntries(Object.entries(parameters).filter(([, v]) => v !== ''));
    const body = {
      definitionId: definitionId ?? '',
      scope: scope ?? '',
      ...(effect ? { effect } : {}),
      ...(Object.keys(given).length ? { parameters: given } : {}),
    };
    const done = await submit.run(
      { schema: createPolicyAssignmentBody, body },
      () => api.post('/api/v1/policy/assignments', body, { schema: policyAssignmentSchema }),
      [policyKey],
    );
    if (done) onClose();
  };

  const e = submit.errors;
  const scopes = [
    { value: everyAccount, label: 'Every automation account (/)' },
    ...(accounts.data ?? []).map((a) => ({ value: `/automationAccounts/${a.id}`, label: a.name })),
  ];
  return (
    <Modal opened onClose={onClose} title="Assign policy" size="lg">
      <Stack>
        <Select
          label="Policy definition"
          required
          data-autofocus
          placeholder="Choose a policy"
          data={definitions.map((d) => ({ value: d.id, label: d.displayName }))}
          value={definitionId}
          error={!definitionId && e.definitionId ? 'Choose a policy definition.' : undefined}
          onChange={chooseDefinition}
        />
        {definition ? (
          <Text size="sm" c="dimmed">
            {definition.description}
          </Text>
        ) : null}
        <Select
          label="Scope"
          required
          description="The accounts the policy judges: every one, or one account."
          searchable
          data={scopes}
          value={scope}
          allowDeselect={false}
          error={e.scope}
          onChange={setScope}
        />
        <Select
          label="Effect"
          required
          description={effect ? effectHelp[effect] : 'Choose a policy first.'}
          data={definition?.allowedEffects ?? []}
          disabled={!definition}
          value={effect}
          allowDeselect={false}
          error={e.effect}
          onChange={(v) => setEffect(v as PolicyEffect | null)}
        />
        {definition?.parameters.map((p) => (
          <TextInput
            key={p.name}
            type="date"
            label={p.name}
            description={`${p.description} Left empty: ${p.default}, the default.`}
            value={parameters[p.name] ?? ''}
            error={e[`parameters.${p.name}`]}
            onChange={(ev) => {
              const value = ev.currentTarget.value;
              setParameters((old) => ({ ...old, [p.name]: value }));
            }}
          />
        ))}
        <DialogActions
          error={submit.error}
          busy={submit.busy}
          submitLabel="Assign"
          onSubmit={assign}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}
