// An automation account's assets: variables (an encrypted value is never shown), credentials (the password is
// write-only), certificates (thumbprint and expiry) and connections (encrypted fields only named), then the
// connection types the connections are made of.
import { Badge, Button, Code, Stack } from '@mantine/core';
import { type ReactNode, useState } from 'react';
import { type Asset, type AssetKind, assetCollections } from '../../../../src/contract/automation-assets.js';
import { api } from '../../api.js';
import { ListSection, RowActions } from '../../components/list-section.js';
import { Empty } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { when } from '../automation/data.js';
import { CertificateDialog, CredentialDialog, VariableDialog } from './AssetDialogs.js';
import { ConfirmDelete } from './ConfirmDelete.js';
import { ConnectionDialog } from './ConnectionDialog.js';
import { ConnectionTypesSection } from './ConnectionTypesSection.js';
import { useAssets } from './data.js';

type Of<K extends AssetKind> = Extract<Asset, { kind: K }>;

const plainValue = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

const sections: {
  kind: AssetKind;
  title: string;
  add: string;
  empty: string;
  columns: string[];
  cells: (a: Asset) => ReactNode[];
}[] = [
  {
    kind: 'variable',
    title: 'Variables',
    add: 'Add variable',
    empty: 'Values runbooks read with Get-AutomationVariable; an encrypted one is never shown again.',
    columns: ['Name', 'Value', 'Changed'],
    cells: (a) => {
      const v = a as Of<'variable'>;
      return [
        v.name,
        v.encrypted ? (
          <Badge key="v" variant="light" color="gray">
            Encrypted · never shown
          </Badge>
        ) : (
          <Code key="v">{plainValue(v.value)}</Code>
        ),
        when(v.updatedAt),
      ];
    },
  },
  {
    kind: 'credential',
    title: 'Credentials',
    add: 'Add credential',
    empty: 'A user name and a password (write-only) that runbooks read with Get-AutomationPSCredential.',
    columns: ['Name', 'User name', 'Changed'],
    cells: (a) => [a.name, (a as Of<'credential'>).userName, when(a.updatedAt)],
  },
  {
    kind: 'certificate',
    title: 'Certificates',
    add: 'Upload certificate',
    empty: 'Upload a PFX with its password; the thumbprint and expiry are shown, never the private key.',
    columns: ['Name', 'Thumbprint', 'Subject', 'Expires', 'Private key'],
    cells: (a) => {
      const c = a as Of<'certificate'>;
      return [
        c.name,
        <Code key="t">{c.thumbprint}</Code>,
        c.subject,
        when(c.expiresAt),
        c.hasPrivateKey ? (c.exportable ? 'Yes, exportable' : 'Yes') : 'No',
      ];
    },
  },
  {
    kind: 'connection',
    title: 'Connections',
    add: 'Add connection',
    empty:
      'Field values of a connection type, such as AzureServicePrincipal; encrypted fields are only named.',
    columns: ['Name', 'Type', 'Fields'],
    cells: (a) => {
      const c = a as Of<'connection'>;
      return [
        c.name,
        c.connectionType,
        [
          ...Object.entries(c.fieldValues).map(([k, v]) => `${k}: ${String(v)}`),
          ...c.encryptedFields.map((k) => `${k}: (encrypted)`),
        ].join(' · '),
      ];
    },
  },
];

const dialogs = {
  variable: VariableDialog,
  credential: CredentialDialog,
  certificate: CertificateDialog,
  connection: ConnectionDialog,
};

export function AssetsTab({ accountId }: { accountId: string }) {
  return (
    <Stack gap="xl">
      {sections.map((s) => (
        <AssetSection key={s.kind} accountId={accountId} section={s} />
      ))}
      <ConnectionTypesSection accountId={accountId} />
    </Stack>
  );
}

function AssetSection({ accountId, section: s }: { accountId: string; section: (typeof sections)[number] }) {
  const manage = usePermission('automation.manage');
  const assets = useAssets(accountId, s.kind);
  const [adding, setAdding] = useState(false);
  const [changing, setChanging] = useState<Asset | null>(null);
  const [deleting, setDeleting] = useState<Asset | null>(null);
  const Dialog = dialogs[s.kind];
  const verb = s.kind === 'certificate' ? 'Replace' : 'Change';
  return (
    <ListSection
      title={s.title}
      actions={
        manage.allowed ? (
          <Button size="xs" onClick={() => setAdding(true)}>
            {s.add}
          </Button>
        ) : null
      }
      query={assets}
      empty={<Empty title={`No ${s.title.toLowerCase()}`}>{s.empty}</Empty>}
      columns={s.columns}
      rowKey={(a) => a.id}
      cells={s.cells}
      rowActions={
        manage.allowed
          ? (a) => (
              <RowActions
                name={a.name}
                changeLabel={verb}
                onChange={() => setChanging(a)}
                onDelete={() => setDeleting(a)}
              />
            )
          : undefined
      }
    >
      {adding ? <Dialog accountId={accountId} onClose={() => setAdding(false)} /> : null}
      {changing ? (
        // A section lists assets of its own kind only: `changing` is of the kind its dialog takes.
        <Dialog accountId={accountId} existing={changing as never} onClose={() => setChanging(null)} />
      ) : null}
      {deleting ? (
        <ConfirmDelete
          title={`Delete ${deleting.name}`}
          onConfirm={() =>
            api.delete(
              `/api/v1/automation-accounts/${encodeURIComponent(accountId)}/${assetCollections[s.kind]}/${encodeURIComponent(deleting.name)}`,
            )
          }
          invalidate={[['assets', accountId, s.kind]]}
          onClose={() => setDeleting(null)}
        >
          Runbooks that read it fail once it is gone.
        </ConfirmDelete>
      ) : null}
    </ListSection>
  );
}
