// Management Packs: every imported pack, and (for those who may) importing one from a file.
import { Alert, Anchor, Badge, Button, Group, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link } from 'wouter';
import { ListTable } from '../../components/list-section.js';
import { Page } from '../../components/page.js';
import { Empty, QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { when } from '../inventory/data.js';
import { usePacks } from '../profiles/ProfilesPage.js';
import { ImportPack } from './ImportPack.js';

export default function PacksPage() {
  const read = usePermission('packs.read');
  const write = usePermission('packs.write');
  const packs = usePacks();
  const [opened, { open, close }] = useDisclosure();
  const [filter, setFilter] = useState('');
  return (
    <Page
      title="Management Packs"
      description="The classes, groups, profiles and workflows Steward knows come from these packs."
      actions={write.allowed ? <Button onClick={open}>Import management pack</Button> : null}
    >
      {!read.allowed ? <Alert color="gray">{read.reason}</Alert> : null}
      {read.allowed && !write.allowed ? (
        <Alert color="gray">Importing and deleting packs: {write.reason}</Alert>
      ) : null}
      {read.allowed ? (
        <>
          <TextInput
            label="Find a pack"
            placeholder="Name or id"
            value={filter}
            onChange={(e) => setFilter(e.currentTarget.value)}
            maw={360}
          />
          <QueryView
            query={packs}
            isEmpty={(items) => items.length === 0}
            empty={<Empty title="No management packs">Import one from a file.</Empty>}
          >
            {(items) => (
              <ListTable
                items={items.filter((p) =>
                  `${p.id} ${p.displayName}`.toLowerCase().includes(filter.toLowerCase()),
                )}
                empty={<Empty title="No pack matches" />}
                label="Management packs"
                minWidth={760}
                highlightOnHover
                columns={['Name', 'Version', 'Kind', 'Imported']}
                rowKey={(p) => p.id}
                cells={(p) => [
                  <Anchor key="n" component={Link} href={`/packs/${encodeURIComponent(p.id)}`}>
                    {p.displayName || p.id}
                  </Anchor>,
                  p.version,
                  <Group key="k" gap={4}>
                    <Badge variant="dot">{p.format === 'scom-xml' ? 'SCOM XML' : 'Native'}</Badge>
                    <Badge variant="dot" color={p.sealed ? 'blue' : 'gray'}>
                      {p.sealed ? 'Sealed' : 'Unsealed'}
                    </Badge>
                    {p.builtIn ? (
                      <Badge variant="dot" color="teal">
                        Built in
                      </Badge>
                    ) : null}
                  </Group>,
                  `${when(p.importedAt)} by ${p.importedBy}`,
                ]}
              />
            )}
          </QueryView>
        </>
      ) : null}
      {opened ? <ImportPack onClose={close} /> : null}
    </Page>
  );
}
