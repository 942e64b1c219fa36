// Run As Configuration › Profiles: every profile, its pack and how many workflows run as it.
import { Anchor, Button, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { packListResponse } from '../../../../src/contract/packs.js';
import { api } from '../../api.js';
import { ListTable } from '../../components/list-section.js';
import { Page } from '../../components/page.js';
import { Empty, QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { useProfiles } from '../accounts/data.js';
import { CreateProfile } from './CreateProfile.js';

export const usePacks = () =>
  useQuery({
    queryKey: ['packs'],
    queryFn: async () => (await api.get('/api/v1/packs', { schema: packListResponse })).items,
  });

export default function ProfilesPage() {
  const profiles = useProfiles();
  const packs = usePacks();
  const [filter, setFilter] = useState('');
  const manage = usePermission('accounts.manage');
  const [creating, setCreating] = useState(false);
  const packName = (id: string) => packs.data?.find((p) => p.id === id)?.displayName ?? id;
  return (
    <Page
      title="Run As Profiles"
      description="Open a profile to associate Run As accounts with it, for all targeted objects or a class, group or object."
      actions={
        manage.allowed ? <Button onClick={() => setCreating(true)}>Create Run As Profile</Button> : null
      }
    >
      <TextInput
        label="Find a profile"
        placeholder="Name or pack"
        value={filter}
        onChange={(e) => setFilter(e.currentTarget.value)}
        maw={360}
      />
      <QueryView
        query={profiles}
        isEmpty={(items) => items.length === 0}
        empty={
          <Empty title="No profiles">Management packs declare Run As profiles; import one that does.</Empty>
        }
      >
        {(items) => (
          <ListTable
            items={items.filter((p) =>
              `${p.displayName} ${packName(p.packId)}`.toLowerCase().includes(filter.toLowerCase()),
            )}
            empty={<Empty title="No profile matches" />}
            label="Run As profiles"
            minWidth={640}
            highlightOnHover
            columns={['Name', 'Management pack', 'Workflows']}
            rowKey={(p) => p.id}
            cells={(p) => [
              <Anchor key="n" component={Link} href={`/run-as/profiles/${encodeURIComponent(p.id)}`}>
                {p.displayName}
              </Anchor>,
              packName(p.packId),
              p.workflowCount,
            ]}
          />
        )}
      </QueryView>
      {creating ? <CreateProfile onClose={() => setCreating(false)} /> : null}
    </Page>
  );
}
