// Findings: everything an operator should know about accounts, profiles and distribution, grouped by kind
// with counts, and a one-click fix where one exists (distribute to the suggested computers, or take back an
// over-distribution, after a confirmation naming them; open the conflicting associations).
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { z } from 'zod';
import { findingSchema } from '../../../../src/contract/resolution.js';
import { api } from '../../api.js';
import { Page } from '../../components/page.js';
import { Empty, QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { useAccounts } from '../accounts/data.js';
import { type DistributionChange, FixDistribution } from './FixDistribution.js';

export type Finding = z.infer<typeof findingSchema>;

const kinds: Record<string, string> = {
  'not-distributed': 'Not distributed',
  conflict: 'Conflicts',
  'over-distributed': 'Over-distributed',
  'unused-account': 'Unused accounts',
  'unused-profile': 'Unused profiles',
  'dangling-association': 'Dangling associations',
  expiring: 'Expiring',
  expired: 'Expired',
};
const kindLabel = (k: string) => kinds[k] ?? k;
const severityColor = { critical: 'red', warning: 'orange', information: 'blue' } as const;

const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export const useFindings = (enabled: boolean) =>
  useQuery({
    queryKey: ['findings'],
    enabled,
    queryFn: async () =>
      (await api.get('/api/v1/findings', { schema: z.object({ items: z.array(findingSchema) }) })).items,
  });

export default function FindingsPage() {
  const manage = usePermission('accounts.manage');
  const findings = useFindings(manage.allowed);
  const accounts = useAccounts(manage.allowed);
  const [fixing, setFixing] = useState<DistributionChange | null>(null);
  const accountName = (id: string) => accounts.data?.find((a) => a.id === id)?.name ?? id;
  const fixOf = (f: Finding) => {
    const accountId = String(f.subject.accountId ?? '');
    const targets = strings(f.subject.healthServices);
    if (f.kind === 'not-distributed' || f.kind === 'over-distributed') {
      const change: DistributionChange = {
        accountId,
        accountName: accountName(accountId),
        direction: f.kind === 'not-distributed' ? 'add' : 'remove',
        targets,
      };
      return (
        <Button size="xs" onClick={() => setFixing(change)}>
          {f.kind === 'not-distributed' ? 'Distribute' : 'Take back'} ({targets.length})
        </Button>
      );
    }
    if (f.kind === 'conflict' || f.kind === 'unused-profile' || f.kind === 'dangling-association')
      return (
        <Anchor
          component={Link}
          href={`/run-as/profiles/${encodeURIComponent(String(f.subject.profileId))}?step=accounts`}
        >
          Open the profile's associations
          {f.kind === 'conflict' ? ` (${strings(f.subject.associationIds).join(', ')})` : ''}
        </Anchor>
      );
    if (accountId)
      return (
        <Anchor component={Link} href={`/run-as/accounts/${accountId}`}>
          Open {accountName(accountId)}
        </Anchor>
      );
    return f.fix ? <Code>{f.fix}</Code> : null;
  };
  return (
    <Page
      title="Findings"
      description="Accounts targeted but not distributed, conflicts, over-distribution, unused and expiring credentials."
    >
      {!manage.allowed ? (
        <Alert color="gray">{manage.reason}</Alert>
      ) : (
        <QueryView
          query={findings}
          isEmpty={(items) => items.length === 0}
          empty={
            <Empty title="No findings">
              Every targeted account is distributed where it is needed, and nothing is unused or expiring.
            </Empty>
          }
        >
          {(items) => {
            const groups = [...new Set(items.map((f) => f.kind))];
            return (
              <Stack>
                <SimpleGrid cols={{ base: 2, sm: 4 }} aria-label="Findings by kind">
                  {groups.map((k) => (
                    <Card key={k} withBorder padding="sm" component="a" href={`#${k}`}>
                      <Text size="sm" c="dimmed">
                        {kindLabel(k)}
                      </Text>
                      <Text fw={700} size="xl">
                        {items.filter((f) => f.kind === k).length}
                      </Text>
                    </Card>
                  ))}
                </SimpleGrid>
                {groups.map((k) => (
                  <Stack key={k} gap="xs" id={k} component="section" aria-labelledby={`${k}-title`}>
                    <Title order={2} size="h4" id={`${k}-title`}>
                      {kindLabel(k)} ({items.filter((f) => f.kind === k).length})
                    </Title>
                    {items
                      .filter((f) => f.kind === k)
                      .map((f) => (
                        <Card key={f.id} withBorder padding="sm">
                          <Group justify="space-between" align="flex-start" wrap="nowrap">
                            <Stack gap={4}>
                              <Group gap="xs">
                                <Badge color={severityColor[f.severity]} variant="dot">
                                  {f.severity}
                                </Badge>
                              </Group>
                              <Text size="sm">{f.message}</Text>
                            </Stack>
                            <div>{fixOf(f)}</div>
                          </Group>
                        </Card>
                      ))}
                  </Stack>
                ))}
              </Stack>
            );
          }}
        </QueryView>
      )}
      {fixing ? <FixDistribution change={fixing} onClose={() => setFixing(null)} /> : null}
    </Page>
  );
}
