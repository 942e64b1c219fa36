// Automation › Policy: the built-in policy definitions, their assignments at a scope with an effect (assign and
// remove: administrators only), and the compliance of every automation account an assignment reaches.
import { Badge, Button, Code, Stack, Table, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Page } from '../../components/page.js';
import { Empty, QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { AssignmentsSection } from './AssignmentsSection.js';
import { AssignPolicyDialog } from './AssignPolicyDialog.js';
import { ComplianceSection } from './ComplianceSection.js';
import { usePolicyDefinitions } from './data.js';

export default function PolicyPage() {
  const assign = usePermission('policy.assign');
  const definitions = usePolicyDefinitions();
  const [opened, { open, close }] = useDisclosure();
  return (
    <Page
      title="Policy"
      description="Rules automation accounts should follow. Deny refuses a change that breaks one; Audit lets it through and records it."
      actions={
        assign.allowed ? (
          <Button onClick={open} disabled={!definitions.data}>
            Assign policy
          </Button>
        ) : null
      }
    >
      <Title order={2} size="h4">
        Definitions
      </Title>
      <QueryView
        query={definitions}
        isEmpty={(items) => items.length === 0}
        empty={<Empty title="No policy definitions">This server has no built-in policy.</Empty>}
      >
        {(items) => (
          <Table.ScrollContainer minWidth={820}>
            <Table striped aria-label="Policy definitions">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Policy</Table.Th>
                  <Table.Th>Effects</Table.Th>
                  <Table.Th w={110}>Default effect</Table.Th>
                  <Table.Th>Parameters</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((d) => (
                  <Table.Tr key={d.id}>
                    <Table.Td>
                      <Stack gap={2}>
                        <Text size="sm" fw={500}>
                          {d.displayName}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {d.description}
                        </Text>
                        <Code w="fit-content">{d.id}</Code>
                      </Stack>
                    </Table.Td>
                    <Table.Td>{d.allowedEffects.join(', ')}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" tt="none">
                        {d.defaultEffect}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {d.parameters.length === 0
                        ? 'None'
                        : d.parameters.map((p) => (
                            <Stack key={p.name} gap={0} mb={4}>
                              <Text size="sm">
                                {p.name} (default {p.default})
                              </Text>
                              <Text size="xs" c="dimmed">
                                {p.description}
                              </Text>
                            </Stack>
                          ))}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryView>
      <AssignmentsSection permission={assign} />
      <ComplianceSection />
      {opened && definitions.data ? (
        <AssignPolicyDialog definitions={definitions.data} onClose={close} />
      ) : null}
    </Page>
  );
}
