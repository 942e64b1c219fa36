// Inventory › Pools and servers: the resource pools with their members, and the management servers with
// whether each is live and its default action account.
import { Badge, Stack, Text } from '@mantine/core';
import { ListSection } from '../../components/list-section.js';
import { Page } from '../../components/page.js';
import { Empty } from '../../components/states.js';
import { usePools, useServers, when } from './data.js';

export default function PoolsPage() {
  const pools = usePools();
  const servers = useServers();
  return (
    <Page
      title="Pools and Servers"
      description="Management servers, and the resource pools that share work (notifications, automation) among them."
    >
      <ListSection
        title="Resource pools"
        query={pools}
        empty={<Empty title="No resource pools" />}
        minWidth={640}
        columns={['Name', 'Membership', 'Members']}
        rowKey={(p) => p.id}
        cells={(p) => [
          <Stack key="n" gap={0}>
            <Text size="sm">{p.displayName}</Text>
            <Text size="xs" c="dimmed">
              {p.builtIn ? 'Built in' : p.name}
            </Text>
          </Stack>,
          p.membership === 'automatic' ? 'Automatic: every live server' : 'Chosen servers',
          p.members.length === 0
            ? 'None'
            : p.members.map((m) => `${m.name}${m.live ? '' : ' (not live)'}`).join(', '),
        ]}
      />
      <ListSection
        title="Management servers"
        query={servers}
        empty={<Empty title="No management servers">A server registers itself when it starts.</Empty>}
        columns={['Name', 'State', 'Address', 'Version', 'Last heartbeat', 'Default action account']}
        rowKey={(s) => s.id}
        cells={(s) => [
          s.name,
          <Badge key="l" color={s.live ? 'green' : 'gray'} variant="dot">
            {s.live ? 'live' : 'not live'}
          </Badge>,
          s.address,
          s.version,
          when(s.heartbeatAt),
          s.defaultActionAccountId ?? 'The server process user',
        ]}
      />
    </Page>
  );
}
