// Create or change a subscription: who is told (To, Cc subscribers), through which channels, and the criteria an
// alert must meet (all of them; none: every alert), with the delay and resolution-change options (R43–R45).
import {
  ActionIcon,
  Button,
  Checkbox,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { z } from 'zod';
import { priorities, severities } from '../../../../src/contract/alerts.js';
import { listOf } from '../../../../src/contract/client.js';
import { classSchema } from '../../../../src/contract/inventory.js';
import {
  subscriptionBody,
  subscriptionPatchBody,
  subscriptionSchema,
} from '../../../../src/contract/notify-api.js';
import { type TextField, textFields } from '../../../../src/domain/notify/criteria.js';
import { type TextOperator, textOperators } from '../../../../src/domain/notify/text-match.js';
import { api } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { NameFields } from '../../components/name-fields.js';
import { severityLabel } from '../alerts/data.js';
import { useSubmit } from '../automation-admin/submit.js';
import { useChannels, useSubscribers } from './data.js';

interface TextRow {
  field: TextField;
  op: TextOperator;
  value: string;
}

const useClasses = () =>
  useQuery({
    queryKey: ['classes'],
    queryFn: async () => (await api.get('/api/v1/classes', { schema: listOf(classSchema) })).items,
  });

type Subscription = z.infer<typeof subscriptionSchema>;

/** The criteria this form shows; a subscription's others (groups, workflows…) are kept as they are. */
const SHOWN = ['severities', 'priorities', 'resolutionStates', 'classIds', 'text'] as const;
const listIn = (criteria: Subscription['criteria'] | undefined, key: string): unknown[] =>
  Array.isArray(criteria?.[key]) ? (criteria[key] as unknown[]) : [];

/** With `subscription`, changes it; without, makes a new one. */
export function SubscriptionDialog({
  subscription,
  onClose,
}: {
  subscription?: Subscription;
  onClose: () => void;
}) {
  const channels = useChannels();
  const subscribers = useSubscribers();
  const classes = useClasses();
  const was = subscription?.criteria;
  const [name, setName] = useState(subscription?.name ?? '');
  const [description, setDescription] = useState(subscription?.description ?? '');
  const [channelIds, setChannelIds] = useState<string[]>(subscription?.channelIds ?? []);
  const [to, setTo] = useState<string[]>(subscription?.to ?? []);
  const [cc, setCc] = useState<string[]>(subscription?.cc ?? []);
  const [sevs, setSevs] = useState<string[]>(listIn(was, 'severities').map(String));
  const [prios, setPrios] = useState<string[]>(listIn(was, 'priorities').map(String));
  const [states, setStates] = useState<string[]>(listIn(was, 'resolutionStates').map(String));
  const [classIds, setClassIds] = useState<string[]>(listIn(was, 'classIds').map(String));
  const [texts, setTexts] = useState<TextRow[]>(listIn(was, 'text') as TextRow[]);
  const [delay, setDelay] = useState<number | string>(subscription?.delaySeconds ?? 0);
  const [onlyOnChange, setOnlyOnChange] = useState(subscription?.onlyOnResolutionChange ?? false);
  const { errors, error, busy, run } = useSubmit();
  const create = async () => {
    const kept = Object.fromEntries(
      Object.entries(was ?? {}).filter(([k]) => !(SHOWN as readonly string[]).includes(k)),
    );
    const criteria = {
      ...kept,
      ...(sevs.length ? { severities: sevs } : {}),
      ...(prios.length ? { priorities: prios } : {}),
      ...(states.length ? { resolutionStates: states.map(Number) } : {}),
      ...(classIds.length ? { classIds } : {}),
      ...(texts.length ? { text: texts } : {}),
    };
    const body = {
      name,
      ...(description ? { description } : {}),
      criteria,
      to,
      cc,
      channelIds,
      delaySeconds: Number(delay) || 0,
      onlyOnResolutionChange: onlyOnChange,
    };
    const saved = await run(
      { schema: subscription ? subscriptionPatchBody : subscriptionBody, body },
      () =>
        subscription
          ? api.patch(`/api/v1/notification-subscriptions/${encodeURIComponent(subscription.id)}`, body, {
              schema: subscriptionSchema,
            })
          : api.post('/api/v1/notification-subscriptions', body, { schema: subscriptionSchema }),
      [['notify', 'subscriptions']],
    );
    if (saved) onClose();
  };
  const people = (subscribers.data ?? []).map((s) => ({ value: s.id, label: s.name }));
  const updateText = (i: number, patch: Partial<TextRow>) =>
    setTexts(texts.map((t, j) => (j === i ? { ...t, ...patch } : t)));
  return (
    <Modal
      opened
      onClose={onClose}
      title={subscription ? `Change subscription ${subscription.name}` : 'Create subscription'}
      size="lg"
    >
      <Stack>
        <NameFields
          name={name}
          onNameChange={setName}
          description={description}
          onDescriptionChange={setDescription}
          errors={errors}
        />
        <MultiSelect
          label="Channels"
          searchable
          required
          data={(channels.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          value={channelIds}
          error={errors.channelIds && `Channels ${errors.channelIds}`}
          onChange={setChannelIds}
          nothingFoundMessage="No channel: an administrator creates them"
        />
        <MultiSelect
          label="To"
          required
          searchable
          data={people}
          value={to}
          error={errors.to && `To ${errors.to}`}
          onChange={setTo}
          nothingFoundMessage="No subscriber yet"
        />
        <MultiSelect label="Cc" searchable data={people} value={cc} error={errors.cc} onChange={setCc} />
        <Text fw={600} size="sm">
          Criteria (every one given must hold; none: every alert)
        </Text>
        <Group grow align="flex-start">
          <MultiSelect
            label="Severity"
            searchable
            placeholder="Any"
            data={severities.map((s) => ({ value: s, label: severityLabel[s] }))}
            value={sevs}
            onChange={setSevs}
            error={errors['criteria.severities']}
          />
          <MultiSelect
            label="Priority"
            searchable
            placeholder="Any"
            data={[...priorities]}
            value={prios}
            onChange={setPrios}
            error={errors['criteria.priorities']}
          />
          <MultiSelect
            label="Resolution state"
            searchable
            placeholder="Any"
            data={[
              { value: '0', label: 'New' },
              { value: '255', label: 'Closed' },
            ]}
            value={states}
            onChange={setStates}
            error={errors['criteria.resolutionStates']}
          />
        </Group>
        <MultiSelect
          label="Source of the class (or a class derived from it)"
          placeholder={classes.isPending ? 'Loading…' : 'Any class'}
          searchable
          limit={50}
          data={(classes.data ?? []).map((c) => ({ value: c.id, label: `${c.displayName} (${c.id})` }))}
          value={classIds}
          onChange={setClassIds}
          error={errors['criteria.classIds']}
        />
        {texts.map((t, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
          <Group key={i} align="flex-start" wrap="wrap">
            <Select
              label={`Text condition ${i + 1}: field`}
              data={[...textFields]}
              value={t.field}
              allowDeselect={false}
              onChange={(v) => updateText(i, { field: (v ?? 'name') as TextField })}
              w={180}
            />
            <Select
              label="Operator"
              data={[...textOperators]}
              value={t.op}
              allowDeselect={false}
              onChange={(v) => updateText(i, { op: (v ?? 'contains') as TextOperator })}
              w={140}
            />
            <TextInput
              label="Value"
              value={t.value}
              error={errors[`criteria.text.${i}.value`]}
              onChange={(e) => updateText(i, { value: e.currentTarget.value })}
              style={{ flex: 1 }}
              miw={160}
            />
            <ActionIcon
              mt={26}
              variant="subtle"
              color="red"
              aria-label={`Remove text condition ${i + 1}`}
              onClick={() => setTexts(texts.filter((_, j) => j !== i))}
            >
              <span aria-hidden>✕</span>
            </ActionIcon>
          </Group>
        ))}
        <Group>
          <Button
            variant="default"
            size="xs"
            onClick={() => setTexts([...texts, { field: 'name', op: 'contains', value: '' }])}
          >
            Add text condition
          </Button>
        </Group>
        <Group align="flex-end" wrap="wrap">
          <NumberInput
            label="Delay (seconds)"
            description="Notify only alerts that keep matching this long"
            min={0}
            max={86400}
            value={delay}
            onChange={setDelay}
            error={errors.delaySeconds}
            w={260}
          />
          <Checkbox
            label="After the first notification, only resolution-state changes notify"
            checked={onlyOnChange}
            onChange={(e) => setOnlyOnChange(e.currentTarget.checked)}
          />
        </Group>
        <DialogActions
          error={error}
          busy={busy}
          submitLabel={subscription ? 'Save' : 'Create'}
          onSubmit={create}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}
