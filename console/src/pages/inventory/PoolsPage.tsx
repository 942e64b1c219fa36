// Inventory › Pools and servers: the resource pools with their members, and the management servers with
// whether each is live and its default action account.
import { Badge, Stack, Table, Text, Title } from '@mantine/core';
import { Page } from '../../components/page.js';
import { Empty, QueryView } from '../../components/states.js';
import { usePools, useServers, when } from './data.js';

export default function PoolsPage() {
  const pools = usePools();
  const servers = useServers();
  return (
    <Page
      title="Pools and Servers"
      description="Management servers, and the resource pools that share work (notifications, automation) among them."
    >
      <Title order={2} size="h4">
        Resource pools
      </Title>
      <QueryView
        query={pools}
        isEmpty={(items) => items.length === 0}
        empty={<Empty title="No resource pools" />}
      >
        {(items) => (
          <Table.ScrollContainer minWidth={640}>
            <Table striped aria-label="Resource pools">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Membership</Table.Th>
                  <Table.Th>Members</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((p) => (
                  <Table.Tr key={p.id}>
                    <Table.Td>
                      <Stack gap={0}>
                        <Text size="sm">{p.displayName}</Text>
                        <Text size="xs" c="dimmed">
                          {p.builtIn ? 'Built in' : p.name}
                        </Text>
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      {p.membership === 'automatic' ? 'Automatic: every live server' : 'Chosen servers'}
                    </Table.Td>
                    <Table.Td>
                      {p.members.length === 0
                        ? 'None'
                        : p.members.map((m) => `${m.name}${m.live ? '' : ' (not live)'}`).join(', ')}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryView>
      <Title order={2} size="h4">
        Management servers
      </Title>
      <QueryView
        query={servers}
        isEmpty={(items) => items.length === 0}
        empty={<Empty title="No management servers">A server registers itself when it starts.</Empty>}
      >
        {(items) => (
          <Table.ScrollContainer minWidth={720}>
            <Table striped aria-label="Management servers">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Address</Table.Th>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>Last heartbeat</Table.Th>
                  <Table.Th>Default action account</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((s) => (
                  <Table.Tr key={s.id}>
                    <Table.Td>{s.name}</Table.Td>
                    <Table.Td>
                      <Badge color={s.live ? 'green' : 'gray'} variant="dot">
                        {s.live ? 'live' : 'not live'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{s.address}</Table.Td>
                    <Table.Td>{s.version}</Table.Td>
                    <Table.Td>{when(s.heartbeatAt)}</Table.Td>
                    <Table.Td>{s.defaultActionAccountId ?? 'The server process user'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryView>
    </Page>
  );
}
