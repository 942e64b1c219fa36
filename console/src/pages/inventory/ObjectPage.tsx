// An object's properties, its hosting chain up to the computer or pool it runs on, and what it hosts.
import { Anchor, Box, Breadcrumbs, List, Stack, Text, Title } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { objectDetailSchema, objectListSchema } from '../../../../src/contract/inventory.js';
import { api } from '../../api.js';
import { Page } from '../../components/page.js';
import { PropertyTable } from '../../components/property-table.js';
import { Empty, QueryView } from '../../components/states.js';
import { useObject, when } from './data.js';

const link = (id: string) => `/inventory/objects/${encodeURIComponent(id)}`;

/** The display name of each host above the object (its id until it is read, or when it cannot be). */
function useHostNames(ids: readonly string[]): (id: string) => string {
  const hosts = useQueries({
    queries: ids.map((h) => ({
      queryKey: ['objects', 'detail', h],
      queryFn: () => api.get(`/api/v1/objects/${encodeURIComponent(h)}`, { schema: objectDetailSchema }),
    })),
  });
  return (id) => {
    const o = hosts[ids.indexOf(id)]?.data;
    return o ? o.displayName || o.name : id;
  };
}

export default function ObjectPage({ id }: { id: string }) {
  const object = useObject(id);
  const nameOf = useHostNames(object.data?.hostChain ?? []);
  const hosted = useQuery({
    queryKey: ['objects', 'hosted-by', id],
    queryFn: () => api.get('/api/v1/objects', { query: { host: id, limit: 1000 }, schema: objectListSchema }),
  });
  return (
    <QueryView query={object} empty={null}>
      {(o) => (
        <Page title={o.displayName || o.name} description={`${o.classId} · ${o.id}`}>
          <Stack gap={4}>
            <Title order={2} size="h4">
              Hosting chain
            </Title>
            <Box component="nav" aria-label="Hosting chain">
              <Breadcrumbs separator="›">
                {o.hostChain.map((h) => (
                  <Anchor key={h} component={Link} href={link(h)} title={h}>
                    {nameOf(h)}
                  </Anchor>
                ))}
                <Text span fw={600}>
                  {o.displayName || o.name}
                </Text>
              </Breadcrumbs>
            </Box>
            <Text size="sm" c="dimmed">
              Runs on the {o.topHostKind}{' '}
              {o.topHost === o.id ? `${o.displayName || o.name} (itself)` : nameOf(o.topHost)}.
            </Text>
          </Stack>
          <PropertyTable
            label="Object properties"
            rows={[
              ['Name', o.name],
              ['Class', o.classId],
              ...Object.entries(o.properties).map(([k, v]) => [k, String(v)] as [string, string]),
              ['Created', when(o.createdAt)],
              ['Changed', when(o.updatedAt)],
            ]}
          />
          <Title order={2} size="h4">
            Hosts
          </Title>
          <QueryView
            query={hosted}
            isEmpty={(l) => l.items.length === 0}
            empty={<Empty title="Hosts nothing" />}
          >
            {(l) => (
              <List aria-label="Hosted objects">
                {l.items.map((h) => (
                  <List.Item key={h.id}>
                    <Anchor component={Link} href={link(h.id)}>
                      {h.displayName || h.name}
                    </Anchor>{' '}
                    ({h.classId})
                  </List.Item>
                ))}
              </List>
            )}
          </QueryView>
        </Page>
      )}
    </QueryView>
  );
}
