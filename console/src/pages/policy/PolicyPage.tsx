// Automation › Policy: the built-in policy definitions, their assignments at a scope with an effect (assign and
// remove: administrators only), and the compliance of every automation account an assignment reaches.
import { Badge, Button, Code, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { ListTable } from '../../components/list-section.js';
import { Page } from '../../components/page.js';
import { Empty } from '../../components/states.js';
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
      <ListTable
        query={definitions}
        empty={<Empty title="No policy definitions">This server has no built-in policy.</Empty>}
        label="Policy definitions"
        minWidth={820}
        columns={['Policy', 'Effects', 'Default effect', 'Parameters']}
        rowKey={(d) => d.id}
        cells={(d) => [
          <Stack key="p" gap={2}>
            <Text size="sm" fw={500}>
              {d.displayName}
            </Text>
            <Text size="xs" c="dimmed">
              {d.description}
            </Text>
            <Code w="fit-content">{d.id}</Code>
          </Stack>,
          d.allowedEffects.join(', '),
          <Badge key="d" variant="light" tt="none">
            {d.defaultEffect}
          </Badge>,
          d.parameters.length === 0
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
              )),
        ]}
      />
      <AssignmentsSection permission={assign} />
      <ComplianceSection />
      {opened && definitions.data ? (
        <AssignPolicyDialog definitions={definitions.data} onClose={close} />
      ) : null}
    </Page>
  );
}
