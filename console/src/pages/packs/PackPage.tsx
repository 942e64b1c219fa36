// A management pack: what it declares, what it references and what references it, what was skipped on
// import; export (a download of the file as imported) and delete (refused with the dependents named).
import { Alert, Anchor, Button, Checkbox, List, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { exportPackResponse, type PackDetail } from '../../../../src/contract/packs.js';
import { ApiError, api, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { Page } from '../../components/page.js';
import { PropertyTable } from '../../components/property-table.js';
import { QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { usePack, when } from '../inventory/data.js';

const extensions = { yaml: 'yaml', json: 'json', 'scom-xml': 'xml' } as const;

export default function PackPage({ id }: { id: string }) {
  const pack = usePack(id);
  const write = usePermission('packs.write');
  const [deleting, setDeleting] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const download = async (p: PackDetail) => {
    setExportError(null);
    try {
      const e = await api.get(`/api/v1/packs/${encodeURIComponent(p.id)}/export`, {
        schema: exportPackResponse,
      });
      const url = URL.createObjectURL(new Blob([e.content], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${e.id}-${e.version}.${extensions[e.format]}`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (err) {
      setExportError(messageOf(err));
    }
  };
  return (
    <QueryView query={pack} empty={null}>
      {(p) => (
        <Page
          title={p.displayName || p.id}
          description={`${p.id} · version ${p.version}`}
          actions={
            <>
              <Button variant="default" onClick={() => download(p)}>
                Export
              </Button>
              {write.allowed ? (
                <Button
                  color="red"
                  variant="light"
                  onClick={() => setDeleting(true)}
                  disabled={p.builtIn}
                  title={p.builtIn ? 'A built-in pack cannot be deleted' : undefined}
                >
                  Delete
                </Button>
              ) : null}
            </>
          }
        >
          {exportError ? (
            <Alert color="red" role="alert">
              {exportError}
            </Alert>
          ) : null}
          <PropertyTable
            label="Pack properties"
            rows={[
              ['Format', p.format === 'scom-xml' ? 'SCOM management pack XML' : 'Native'],
              ['Sealed', p.sealed ? 'Yes' : 'No'],
              ['Built in', p.builtIn ? 'Yes' : 'No'],
              ['Imported', `${when(p.importedAt)} by ${p.importedBy}`],
              [
                'Declares',
                Object.entries(p.counts)
                  .map(([k, n]) => `${n} ${k}`)
                  .join(', '),
              ],
              ['Description', p.description || '—'],
            ]}
          />
          <Title order={2} size="h4">
            References ({p.references.length})
          </Title>
          {p.references.length ? (
            <List aria-label="References">
              {p.references.map((r) => (
                <List.Item key={r.id}>
                  <Anchor component={Link} href={`/packs/${encodeURIComponent(r.id)}`}>
                    {r.id}
                  </Anchor>{' '}
                  {r.minVersion} or later (imported: {r.version})
                </List.Item>
              ))}
            </List>
          ) : (
            <Text c="dimmed">None.</Text>
          )}
          <Title order={2} size="h4">
            Referenced by ({p.dependents.length})
          </Title>
          {p.dependents.length ? (
            <List aria-label="Dependent packs">
              {p.dependents.map((d) => (
                <List.Item key={d}>
                  <Anchor component={Link} href={`/packs/${encodeURIComponent(d)}`}>
                    {d}
                  </Anchor>
                </List.Item>
              ))}
            </List>
          ) : (
            <Text c="dimmed">No pack references this one.</Text>
          )}
          {p.skipped.length ? (
            <>
              <Title order={2} size="h4">
                Skipped on import ({p.skipped.length})
              </Title>
              <Table.ScrollContainer minWidth={640}>
                <Table aria-label="Skipped elements">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Kind</Table.Th>
                      <Table.Th>Element</Table.Th>
                      <Table.Th>Why</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {p.skipped.map((s) => (
                      <Table.Tr key={s.path}>
                        <Table.Td>{s.kind}</Table.Td>
                        <Table.Td style={{ wordBreak: 'break-all' }}>{s.path}</Table.Td>
                        <Table.Td>{s.reason}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </>
          ) : null}
          {deleting ? <DeletePack pack={p} onClose={() => setDeleting(false)} /> : null}
        </Page>
      )}
    </QueryView>
  );
}

function DeletePack({ pack: p, onClose }: { pack: PackDetail; onClose: () => void }) {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [cascade, setCascade] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dependents, setDependents] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    setBusy(true);
    setError(null);
    setDependents([]);
    try {
      await api.delete(`/api/v1/packs/${encodeURIComponent(p.id)}${cascade ? '?cascade=true' : ''}`);
      await Promise.all(
        ['packs', 'profiles', 'classes', 'groups', 'workflows'].map((k) =>
          qc.invalidateQueries({ queryKey: [k] }),
        ),
      );
      onClose();
      navigate('/packs');
    } catch (err) {
      setError(messageOf(err));
      if (err instanceof ApiError && err.code === 'DEPENDENT_PACKS')
        setDependents(err.issues.map((i) => i.message));
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={`Delete ${p.displayName || p.id}`}>
      <Stack>
        <Text>
          Its classes, groups, profiles and workflows are removed with it. A pack other packs reference, or
          whose classes have objects, cannot be deleted.
        </Text>
        <Checkbox
          label="Also remove the account associations of its profiles"
          checked={cascade}
          onChange={(e) => setCascade(e.currentTarget.checked)}
        />
        {dependents.length ? (
          <List aria-label="Packs that reference it">
            {dependents.map((d) => (
              <List.Item key={d}>
                <Anchor component={Link} href={`/packs/${encodeURIComponent(d)}`} onClick={onClose}>
                  {d}
                </Anchor>
              </List.Item>
            ))}
          </List>
        ) : null}
        <DialogActions error={error} busy={busy} submitLabel="Delete" onSubmit={remove} onCancel={onClose} />
      </Stack>
    </Modal>
  );
}
