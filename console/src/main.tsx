// The web console's entry: theme, data fetching, and the signed-in shell or the sign-in page.
import '@mantine/core/styles.css';
import {
  createTheme,
  darken,
  localStorageColorSchemeManager,
  MantineProvider,
  type MantineTheme,
} from '@mantine/core';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { ApiError } from './api.js';

// Darker shades than Mantine's defaults: text and buttons keep a 4.5:1 contrast in both themes (WCAG AA).
const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 8, dark: 8 },
  components: {
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
  },
});
// Text on a light tint (light Badges, Alert titles and bodies) in shade 9 darkened by 30%: plain shade 9 reads at
// 2.7:1 (yellow), 3.6:1 (orange) and 3.8:1 (green) on its own shade 1; darkened, every colour reads at 5:1 or more.
const lightTintText = (theme: MantineTheme) =>
  Object.fromEntries(
    Object.entries(theme.colors).map(([name, shades]) => [
      `--mantine-color-${name}-light-color`,
      darken(shades[9], 0.3),
    ]),
  );
const cssVariablesResolver = (theme: MantineTheme) => ({
  variables: {},
  light: {
    // Error text (a refused field) in red.9: red.6 reads at 3.6:1 on white.
    '--mantine-color-dimmed': '#495057',
    '--mantine-color-error': '#c92a2a',
    ...lightTintText(theme),
  },
  dark: { '--mantine-color-dimmed': '#c1c2c5' },
});

const queryClient: QueryClient = new QueryClient({
  // A session that ended (expired, revoked, signed out elsewhere) brings the sign-in page back.
  queryCache: new QueryCache({
    onError: (err, query) => {
      if (err instanceof ApiError && err.status === 401 && query.queryKey[0] !== 'session') {
        queryClient.setQueryData(['session'], null);
      }
    },
  }),
  defaultOptions: {
    queries: {
      // A refusal will not change by asking again; a network hiccup may.
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider
      theme={theme}
      cssVariablesResolver={cssVariablesResolver}
      defaultColorScheme="auto"
      colorSchemeManager={localStorageColorSchemeManager({ key: 'steward-color-scheme' })}
    >
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
