// Import a management pack file (native YAML or JSON, or SCOM XML) and show the import report: what was
// imported or changed, what was skipped and which referenced packs are missing.
import { Alert, Button, Group, Input, List, Modal, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'wouter';
import {
  type ElementCounts,
  type ImportPackResponse,
  importPackBody,
  importPackResponse,
} from '../../../../src/contract/packs.js';
import { api, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { issuesOf } from '../automation/forms.js';

const outcomeText = {
  imported: 'Imported',
  upgraded: 'Upgraded',
  unchanged: 'Unchanged: this version was imported already',
  completed: 'Completed: elements that waited for another pack were added',
} as const;

const countText = (c: ElementCounts) =>
  Object.entries(c)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ') || 'nothing';

/** The file's bytes in base64: the server decodes them by their byte order mark or XML declaration. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function ImportPack({ onClose }: { onClose: () => void }) {
  const qc = useQueryClient();
  const inputId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ImportPackResponse | null>(null);
  const submit = async () => {
    if (!file) return setFileError('Choose a pack file');
    setBusy(true);
    setError(null);
    setFileError(null);
    try {
      const body = {
        content: await base64Of(file),
        contentEncoding: 'base64',
        ...(format ? { format } : {}),
      };
      const checked = importPackBody.safeParse(body);
      if (!checked.success) {
        setFileError(Object.values(issuesOf(checked.error)).join('; '));
        setBusy(false);
        return;
      }
      setReport(await api.post('/api/v1/packs', body, { schema: importPackResponse }));
      await Promise.all(
        ['packs', 'profiles', 'classes', 'groups', 'workflows'].map((k) =>
          qc.invalidateQueries({ queryKey: [k] }),
        ),
      );
    } catch (err) {
      setError(messageOf(err));
    }
    setBusy(false);
  };
  return (
    <Modal opened onClose={onClose} title="Import management pack" size="xl">
      {report ? (
        <Report report={report} onClose={onClose} />
      ) : (
        <Stack>
          <Input.Wrapper
            label="Pack file"
            id={inputId}
            required
            error={fileError}
            description="Native YAML or JSON, or SCOM management pack XML"
          >
            <input
              id={inputId}
              type="file"
              accept=".xml,.yaml,.yml,.json"
              style={{ display: 'block', marginTop: 6 }}
              onChange={(e) => {
                setFile(e.currentTarget.files?.[0] ?? null);
                setFileError(null);
              }}
            />
          </Input.Wrapper>
          <Select
            label="Format"
            placeholder="Recognised from the content"
            clearable
            data={[
              { value: 'yaml', label: 'Native YAML' },
              { value: 'json', label: 'Native JSON' },
              { value: 'scom-xml', label: 'SCOM management pack XML' },
            ]}
            value={format}
            onChange={setFormat}
          />
          <DialogActions
            error={error}
            busy={busy}
            submitLabel="Import"
            onSubmit={submit}
            onCancel={onClose}
          />
        </Stack>
      )}
    </Modal>
  );
}

function Report({ report: r, onClose }: { report: ImportPackResponse; onClose: () => void }) {
  return (
    <Stack role="region" aria-label="Import report">
      <Alert color="gray" title={`${outcomeText[r.outcome]}: ${r.pack.displayName}`}>
        {r.pack.id} version {r.pack.version}
        {r.previousVersion ? ` (was ${r.previousVersion})` : ''}.
      </Alert>
      <Table aria-label="Elements changed" maw={560}>
        <Table.Tbody>
          <Table.Tr>
            <Table.Th>Added</Table.Th>
            <Table.Td>{countText(r.changes.added)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Changed</Table.Th>
            <Table.Td>{countText(r.changes.updated)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Removed</Table.Th>
            <Table.Td>{countText(r.changes.removed)}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      {r.missingReferences.length ? (
        <>
          <Title order={3} size="h5">
            Missing references ({r.missingReferences.length})
          </Title>
          <List aria-label="Missing references">
            {r.missingReferences.map((m) => (
              <List.Item key={m.packId}>
                {m.packId} {m.minVersion} (alias {m.alias}): needed by {m.neededBy.length} element(s). Import
                it and this pack is completed.
              </List.Item>
            ))}
          </List>
        </>
      ) : null}
      {r.pack.skipped.length ? (
        <>
          <Title order={3} size="h5">
            Skipped ({r.pack.skipped.length})
          </Title>

          <Table aria-label="Skipped elements">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Element</Table.Th>
                <Table.Th>Why</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {r.pack.skipped.map((s) => (
                <Table.Tr key={s.path}>
                  <Table.Td>{s.kind}</Table.Td>
                  <Table.Td miw={240}>
                    <Text size="xs" style={{ wordBreak: 'break-all' }}>
                      {s.path}
                    </Text>
                  </Table.Td>
                  <Table.Td>{s.reason}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      ) : null}
      {r.completed.length ? <Text>Also completed: {r.completed.join(', ')}.</Text> : null}
      <Group justify="flex-end">
        <Button
          variant="default"
          component={Link}
          href={`/packs/${encodeURIComponent(r.pack.id)}`}
          onClick={onClose}
        >
          Open the pack
        </Button>
        <Button onClick={onClose}>Done</Button>
      </Group>
    </Stack>
  );
}
