// Make a webhook for a published runbook; its URL is shown here once, and never again.
import { Alert, Button, CopyButton, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Runbook } from '../../../../src/contract/automation.js';
import { createdWebhookSchema, createWebhookBody } from '../../../../src/contract/automation-schedules.js';
import { api, fieldErrors, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { issuesOf } from './forms.js';
import { collectValues, ParameterFields, type RawValues } from './ParameterFields.js';
import { parameterErrors } from './StartJob.js';

const DAY_MS = 24 * 3600 * 1000;
const lifetimes = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: '730', label: '2 years' },
];

/** The parameters a webhook keeps values for: not secret ones, nor WebhookData (each call fills it). */
const keptDeclarations = (r: Runbook | undefined) =>
  (r?.published?.parameters ?? []).filter(
    (p) => !p.secret && !(p.name.toLowerCase() === 'webhookdata' && p.type === 'object'),
  );

export function CreateWebhook({
  accountId,
  runbooks,
  onClose,
}: {
  accountId: string;
  runbooks: Runbook[];
  onClose: () => void;
}) {
  const qc = useQueryClient();
  const published = runbooks.filter((r) => r.published);
  const [name, setName] = useState('');
  const [runbookId, setRunbookId] = useState<string | null>(published[0]?.id ?? null);
  const [days, setDays] = useState('365');
  const [values, setValues] = useState<RawValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [url, setUrl] = useState<string | null>(null);
  const runbook = published.find((r) => r.id === runbookId);
  const declarations = keptDeclarations(runbook);

  const create = async () => {
    const collected = collectValues(declarations, values);
    const body = {
      name,
      runbookId: runbookId ?? '',
      expiresAt: new Date(Date.now() + Number(days) * DAY_MS).toISOString(),
      parameters: collected.values,
    };
    const checked = createWebhookBody.safeParse(body);
    const issues = { ...(checked.success ? {} : issuesOf(checked.error)) };
    setErrors({
      ...issues,
      ...Object.fromEntries(Object.entries(collected.issues).map(([k, m]) => [`parameters.${k}`, m])),
    });
    if (!checked.success || Object.keys(collected.issues).length) return;
    setBusy(true);
    setError(null);
    try {
      const created = await api.post(
        `/api/v1/automation-accounts/${encodeURIComponent(accountId)}/webhooks`,
        body,
        {
          schema: createdWebhookSchema,
        },
      );
      setUrl(created.url);
      await qc.invalidateQueries({ queryKey: ['webhooks', 'of', accountId] });
    } catch (err) {
      setErrors({
        ...fieldErrors(err),
        ...Object.fromEntries(Object.entries(parameterErrors(err)).map(([k, m]) => [`parameters.${k}`, m])),
      });
      setError(messageOf(err));
    }
    setBusy(false);
  };

  const parameterFieldErrors = Object.fromEntries(
    Object.entries(errors)
      .filter(([k]) => k.startsWith('parameters.'))
      .map(([k, m]) => [k.slice('parameters.'.length), m]),
  );

  return (
    <Modal opened onClose={onClose} title="Create webhook" size="lg">
      {url ? (
        <Stack>
          <Alert color="yellow" title="Copy the URL now">
            It is shown this once: Steward keeps only a hash of its secret part. Anyone who has it can start
            the runbook.
          </Alert>
          <TextInput label="Webhook URL" value={url} readOnly onFocus={(e) => e.currentTarget.select()} />
          <Group justify="flex-end">
            <CopyButton value={url}>
              {({ copied, copy }) => (
                <Button variant="light" onClick={copy}>
                  {copied ? 'Copied' : 'Copy URL'}
                </Button>
              )}
            </CopyButton>
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <Stack>
          {published.length === 0 ? (
            <Alert color="gray">A webhook starts a published runbook: publish one first.</Alert>
          ) : null}
          <TextInput
            label="Name"
            required
            data-autofocus
            value={name}
            error={errors.name && `Name ${errors.name}`}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <Select
            label="Runbook"
            data={published.map((r) => ({ value: r.id, label: r.name }))}
            value={runbookId}
            allowDeselect={false}
            error={errors.runbookId}
            onChange={(v) => {
              setRunbookId(v);
              setValues({});
            }}
          />
          <Select
            label="Expires in"
            data={lifetimes}
            value={days}
            allowDeselect={false}
            error={errors.expiresAt}
            onChange={(v) => v && setDays(v)}
          />
          <Text fw={600} size="sm">
            Parameter values kept for every call
          </Text>
          <ParameterFields
            declarations={declarations}
            values={values}
            errors={parameterFieldErrors}
            onChange={setValues}
          />
          <DialogActions
            error={error}
            busy={busy}
            submitLabel="Create"
            onSubmit={create}
            onCancel={onClose}
            disabled={published.length === 0}
          />
        </Stack>
      )}
    </Modal>
  );
}
