// A group: its members (and why each is one), its dynamic rules and the groups nested in it.
import { Anchor, List, Tabs, Text } from '@mantine/core';
import { Link } from 'wouter';
import type { Condition, Group } from '../../../../src/contract/inventory.js';
import { ListTable } from '../../components/list-section.js';
import { Page } from '../../components/page.js';
import { Empty, Failure, Loading } from '../../components/states.js';
import { useGroupMembers, useGroups } from './data.js';

const viaLabels = {
  explicit: 'Explicit member',
  rule: 'Matches a rule',
  subgroup: 'Through a nested group',
  'hosted-by': 'Hosted by a member',
} as const;

const conditionText = (c: Condition) =>
  c.op === 'exists' ? `${c.property} is set` : `${c.property} ${c.op} ${JSON.stringify(c.value)}`;

export default function GroupPage({ id }: { id: string }) {
  const groups = useGroups();
  if (groups.isPending) return <Loading />;
  if (groups.error) return <Failure error={groups.error} retry={() => void groups.refetch()} />;
  const g = groups.data.find((x) => x.id === id);
  if (!g) return <Failure error={new Error(`There is no group ${id}.`)} />;
  return (
    <Page title={g.displayName || g.id} description={g.description || g.id}>
      <Tabs defaultValue="members" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="members">Members</Tabs.Tab>
          <Tabs.Tab value="rules">Rules ({g.rules.length})</Tabs.Tab>
          <Tabs.Tab value="subgroups">Nested groups ({g.subgroups.length})</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="members" pt="md">
          <Members id={g.id} />
        </Tabs.Panel>
        <Tabs.Panel value="rules" pt="md">
          <Rules g={g} />
        </Tabs.Panel>
        <Tabs.Panel value="subgroups" pt="md">
          {g.subgroups.length === 0 ? (
            <Empty title="No nested groups" />
          ) : (
            <List aria-label="Nested groups">
              {g.subgroups.map((s) => (
                <List.Item key={s}>
                  <Anchor component={Link} href={`/inventory/groups/${encodeURIComponent(s)}`}>
                    {groups.data.find((x) => x.id === s)?.displayName ?? s}
                  </Anchor>
                </List.Item>
              ))}
            </List>
          )}
        </Tabs.Panel>
      </Tabs>
    </Page>
  );
}

function Members({ id }: { id: string }) {
  const members = useGroupMembers(id);
  return (
    <ListTable
      query={{
        isPending: members.isPending,
        error: members.error,
        data: members.data?.items,
        refetch: members.refetch,
      }}
      empty={
        <Empty title="No members">
          No object is a member, matches a rule or comes through a nested group.
        </Empty>
      }
      label="Group members"
      minWidth={640}
      columns={['Object', 'Class', 'Why', 'Through']}
      rowKey={(o) => o.objectId}
      cells={(o) => [
        <Anchor key="o" component={Link} href={`/inventory/objects/${encodeURIComponent(o.objectId)}`}>
          {o.displayName}
        </Anchor>,
        o.classId,
        viaLabels[o.via],
        o.through ?? '—',
      ]}
    />
  );
}

function Rules({ g }: { g: Group }) {
  if (g.rules.length === 0)
    return <Empty title="No rules">Members are listed explicitly or through nested groups.</Empty>;
  return (
    <List type="ordered" aria-label="Rules">
      {g.rules.map((r, i) => (
        // Rules have no id: their position is what names them.
        // biome-ignore lint/suspicious/noArrayIndexKey: a rule is its position in the list
        <List.Item key={i}>
          <Text span fw={600}>
            Objects of {r.classId}
          </Text>
          {r.conditions.length ? ` where ${r.conditions.map(conditionText).join(' and ')}` : ' (every one)'}
        </List.Item>
      ))}
    </List>
  );
}
