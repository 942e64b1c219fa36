// Debian's Chromium driven by playwright-core, for the console's browser tests. No fallback: a browser that
// cannot start fails the test that needs it.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type ServerProcess, startServer } from '../support/server-process.js';
import { createPostgresDatabase } from '../support/test-database.js';
import { testDatabaseUrl } from '../support/test-db-target.js';

export const CHROMIUM = process.env.STEWARD_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = resolve(import.meta.dirname, '../../.ci/artifacts/console');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const axeSource = (() => {
  const require = createRequire(import.meta.url);
  return require('node:fs').readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8') as string;
})();

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page as it is now (evaluated through the debugger, not a script tag: the CSP stays on). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const result = (await page.evaluate(() =>
    (
      globalThis as unknown as { axe: { run: (o: object) => Promise<{ violations: AxeViolation[] }> } }
    ).axe.run({
      resultTypes: ['violations'],
    }),
  )) as { violations: AxeViolation[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })),
    }));
}

export interface ConsoleStage {
  server: ServerProcess;
  /** Chromium, or undefined with `launchError` saying why: every test that needs it fails (none skips). */
  browser: Browser | undefined;
  launchError: unknown;
  /** Closes the browser, stops the server and drops its database. */
  close(): Promise<void>;
}

/**
 * A real server process (on a PostgreSQL database of its own when the suite runs on PostgreSQL) and Chromium,
 * started together for a browser test file.
 */
export async function startConsoleStage(env: Record<string, string> = {}): Promise<ConsoleStage> {
  const serverEnv = { ...env };
  let dropDatabase: (() => Promise<void>) | undefined;
  if (testDatabaseUrl) {
    const d = await createPostgresDatabase();
    dropDatabase = d.drop;
    serverEnv.DATABASE_URL = d.url;
  }
  const [server, launched] = await Promise.all([
    startServer({ env: serverEnv }),
    launchChromium().then(
      (browser) => ({ browser, launchError: undefined }),
      (launchError: unknown) => ({ browser: undefined, launchError }),
    ),
  ]);
  return {
    server,
    ...launched,
    async close() {
      await launched.browser?.close();
      await server.stop();
      await dropDatabase?.();
    },
  };
}

export interface ApiAnswer {
  method: string;
  url: string;
  status: number;
  body: string;
}

/**
 * A new browser context signed in to the console through its sign-in page, as `username`; `onApiAnswer` sees every
 * answer of the API to the page.
 */
export async function signedInPage(
  stage: ConsoleStage | undefined,
  username: string,
  password: string,
  onApiAnswer?: (answer: ApiAnswer) => void,
): Promise<Page> {
  if (!stage?.browser) throw new Error(`Chromium did not start: ${String(stage?.launchError)}`);
  const ctx = await stage.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  if (onApiAnswer)
    page.on('response', async (res) => {
      if (!new URL(res.url()).pathname.startsWith('/api/')) return;
      const body = await res.text().catch(() => '');
      onApiAnswer({ method: res.request().method(), url: res.url(), status: res.status(), body });
    });
  await page.goto(stage.server.url);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Run As Accounts' }).waitFor();
  return page;
}

/** The API's one error body. */
export interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

/**
 * A change forced from the signed-in page, past the console's own checks: the session cookie and the CSRF token
 * the console sends (read from the API as the console reads it), so the server's answer is its role check.
 */
export function forcedFromPage<T = ErrorBody>(
  page: Page,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const res = await fetch(path, {
        method,
        headers: {
          'x-csrf-token': session.csrfToken,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    { method, path, body },
  ) as Promise<{ status: number; body: T }>;
}
