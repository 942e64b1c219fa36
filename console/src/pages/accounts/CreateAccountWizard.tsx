// The Create Run As Account wizard: General Properties (with the introduction) → Credentials → Distribution
// Security, where the targets are chosen too, so the account is created already distributed.
import {
  Alert,
  Button,
  Checkbox,
  Group,
  Modal,
  NativeSelect,
  PasswordInput,
  Select,
  Stack,
  Stepper,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useLocation } from 'wouter';
import { type AccountType, accountSchema, accountTypes } from '../../../../src/contract/accounts.js';
import { api, fieldErrors, messageOf } from '../../api.js';
import { accountTypeLabels, credentialBody, credentialFields } from './credential-fields.js';
import { DistributionStep, type Security } from './DistributionStep.js';

const steps = ['General Properties', 'Credentials', 'Distribution Security'] as const;

export function CreateAccountWizard({ onClose }: { onClose: () => void }) {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [step, setStep] = useState(0);
  const [type, setType] = useState<AccountType>('action');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [security, setSecurity] = useState<Security>('more-secure');
  const [approved, setApproved] = useState<string[]>([]);
  /** The account once created: a failed distribution is then retried without creating it again. */
  const [createdId, setCreatedId] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async () => {
    setBusy(true);
    setErrors({});
    setError(null);
    let id = createdId;
    try {
      if (!id) {
        const body = {
          name,
          ...(description ? { description } : {}),
          credential: credentialBody(type, values),
        };
        id = (await api.post('/api/v1/accounts', body, { schema: accountSchema })).id;
        // The secrets leave the page's memory as soon as the server has them.
        setValues({});
        setCreatedId(id);
        await qc.invalidateQueries({ queryKey: ['accounts'] });
      }
    } catch (err) {
      const fields = fieldErrors(err);
      setErrors(fields);
      setError(messageOf(err));
      // Back to the step whose field the API refused.
      if (Object.keys(fields).some((k) => k.startsWith('credential'))) setStep(1);
      else if (fields.name || fields.description) setStep(0);
      setBusy(false);
      return;
    }
    try {
      if (security === 'less-secure' || approved.length > 0)
        await api.put(
          `/api/v1/accounts/${id}/distribution`,
          { security, approved },
          { schema: accountSchema },
        );
      await qc.invalidateQueries({ queryKey: ['accounts'] });
      onClose();
      navigate(`/run-as/accounts/${id}?tab=distribution`);
    } catch (err) {
      setError(
        `The account is created, but its distribution is not saved: ${messageOf(err)} Try again, or close and distribute it from its Distribution tab.`,
      );
      setBusy(false);
    }
  };

  const setValue = (field: string, v: string | boolean) => setValues((old) => ({ ...old, [field]: v }));
  const last = step === steps.length - 1;

  return (
    <Modal opened onClose={onClose} title="Create Run As Account" size="xl">
      <Stepper
        active={step}
        onStepClick={(s) => createdId === null && setStep(s)}
        size="sm"
        allowNextStepsSelect={false}
      >
        <Stepper.Step label="General Properties">
          <Stack py="md">
            <Text size="sm">
              A Run As account holds one set of credentials. Workflows use it once a Run As profile associates
              it with the objects they target, on the computers it is distributed to. Secrets you type are
              sent once over this connection, sealed by the server, and never shown again.
            </Text>
            <NativeSelect
              label="Run As account type"
              data={accountTypes.map((t) => ({ value: t, label: accountTypeLabels[t] }))}
              value={type}
              disabled={createdId !== null}
              onChange={(e) => {
                setType(e.currentTarget.value as AccountType);
                setValues({});
              }}
            />
            <TextInput
              label="Display name"
              required
              value={name}
              error={errors.name && `Display name ${errors.name}`}
              onChange={(e) => setName(e.currentTarget.value)}
            />
            <Textarea
              label="Description"
              value={description}
              error={errors.description}
              onChange={(e) => setDescription(e.currentTarget.value)}
            />
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Credentials">
          <Stack py="md">
            {credentialFields[type].map((f) => {
              const err = errors[`credential.${f.name}`];
              const label = `${f.label}${f.optional ? ' (optional)' : ''}`;
              const v = values[f.name];
              if (f.checkbox)
                return (
                  <Checkbox
                    key={f.name}
                    label={f.label}
                    checked={Boolean(v)}
                    onChange={(e) => setValue(f.name, e.currentTarget.checked)}
                  />
                );
              if (f.options)
                return (
                  <Select
                    key={f.name}
                    label={f.label}
                    data={[...f.options]}
                    value={typeof v === 'string' ? v : f.options[0]!}
                    allowDeselect={false}
                    error={err}
                    onChange={(x) => setValue(f.name, x ?? f.options![0]!)}
                  />
                );
              if (f.secret && !f.multiline)
                return (
                  <PasswordInput
                    key={f.name}
                    label={label}
                    autoComplete="new-password"
                    value={typeof v === 'string' ? v : ''}
                    error={err && `${f.label} ${err}`}
                    onChange={(e) => setValue(f.name, e.currentTarget.value)}
                  />
                );
              const Input = f.multiline ? Textarea : TextInput;
              return (
                <Input
                  key={f.name}
                  label={label}
                  autoComplete="off"
                  spellCheck={false}
                  value={typeof v === 'string' ? v : ''}
                  error={err && `${f.label} ${err}`}
                  onChange={(e) => setValue(f.name, e.currentTarget.value)}
                />
              );
            })}
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Distribution Security">
          <DistributionStep
            security={security}
            onSecurity={setSecurity}
            approved={approved}
            onApproved={setApproved}
          />
        </Stepper.Step>
      </Stepper>
      {error ? (
        <Alert color="red" role="alert" mb="sm">
          {error}
        </Alert>
      ) : null}
      <Group justify="space-between">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Group gap="xs">
          <Button
            variant="default"
            disabled={step === 0 || createdId !== null}
            onClick={() => setStep(step - 1)}
          >
            Previous
          </Button>
          {last ? (
            <Button onClick={create} loading={busy}>
              {createdId ? 'Save distribution' : 'Create'}
            </Button>
          ) : (
            <Button onClick={() => setStep(step + 1)}>Next</Button>
          )}
        </Group>
      </Group>
    </Modal>
  );
}
