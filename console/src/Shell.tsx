// The frame around every signed-in page: header (user, theme, sign out) and the navigation.
import {
  ActionIcon,
  AppShell,
  Burger,
  Button,
  Group,
  NavLink,
  Text,
  Tooltip,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Fragment, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { roleNames } from '../../src/domain/roles.js';
import { api } from './api.js';
import { useSession, useSetSession } from './session.js';

const nav = [
  {
    section: 'Run As Configuration',
    links: [
      { href: '/run-as/accounts', label: 'Accounts' },
      { href: '/run-as/profiles', label: 'Profiles' },
    ],
  },
  {
    section: 'Run As Health',
    links: [
      { href: '/findings', label: 'Findings' },
      { href: '/explain', label: 'Explain' },
    ],
  },
  {
    section: 'Inventory',
    links: [
      { href: '/inventory/classes', label: 'Classes' },
      { href: '/inventory/objects', label: 'Objects' },
      { href: '/inventory/groups', label: 'Groups' },
      { href: '/inventory/computers', label: 'Computers and Agents' },
      { href: '/inventory/pools', label: 'Pools and Servers' },
      { href: '/packs', label: 'Management Packs' },
    ],
  },
  {
    section: 'Automation',
    links: [
      { href: '/automation/accounts', label: 'Automation Accounts' },
      { href: '/automation/jobs', label: 'Jobs' },
      { href: '/automation/worker-groups', label: 'Hybrid Worker Groups' },
      { href: '/automation/identities', label: 'Identities' },
      { href: '/automation/policy', label: 'Policy' },
    ],
  },
  {
    section: 'Monitoring',
    links: [
      { href: '/alerts', label: 'Alerts' },
      { href: '/notifications', label: 'Notifications' },
    ],
  },
  {
    section: 'Administration',
    links: [
      { href: '/admin/users', label: 'Users and roles' },
      { href: '/admin/tokens', label: 'API tokens' },
      { href: '/admin/audit', label: 'Audit log' },
    ],
  },
];

export function Shell({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const [location] = useLocation();
  const { user } = useSession();
  const setSession = useSetSession();
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light');
  const signOut = async () => {
    await api.delete('/api/v1/auth/session').catch(() => undefined);
    setSession(null);
  };
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Navigation" />
            <Text fw={700} size="lg">
              Steward
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" visibleFrom="xs">
              {user.displayName} · {roleNames[user.role]}
            </Text>
            <Tooltip label={scheme === 'dark' ? 'Light theme' : 'Dark theme'}>
              <ActionIcon
                variant="default"
                aria-label={scheme === 'dark' ? 'Use the light theme' : 'Use the dark theme'}
                onClick={() => setColorScheme(scheme === 'dark' ? 'light' : 'dark')}
              >
                <span aria-hidden>{scheme === 'dark' ? '☀' : '☾'}</span>
              </ActionIcon>
            </Tooltip>
            <Button variant="default" size="xs" onClick={signOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main" style={{ overflowY: 'auto' }}>
        {nav.map((s) => (
          <Fragment key={s.section}>
            <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" py={6}>
              {s.section}
            </Text>
            {s.links.map((n) => (
              <NavLink
                key={n.href}
                component={Link}
                href={n.href}
                label={n.label}
                active={location.startsWith(n.href)}
                variant="filled"
                onClick={close}
              />
            ))}
          </Fragment>
        ))}
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
