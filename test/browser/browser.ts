// Debian's Chromium driven by playwright-core, for the console's browser tests. No fallback: a browser that
// cannot start fails the test that needs it. Every page of every context of a stage's browser is watched: a
// request to any host but the server fails the test during which it was made (and the stage's close).
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterEach } from 'vitest';
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
  /** Requests any page of this browser made to another host than the server, not yet reported. */
  foreignRequests: string[];
  /** Closes the browser, stops the server and drops its database; fails on a request to another host. */
  close(): Promise<void>;
}

/** The page's own: the server's origin, and the data, blob and about URLs a page makes for itself. */
export function isOwnRequest(url: string, serverOrigin: string): boolean {
  const u = new URL(url);
  return ['data:', 'blob:', 'about:'].includes(u.protocol) || u.origin === serverOrigin;
}

/** Chromium's report of a request the page's CSP refused (it never reaches the network): the URLs it names. */
const cspRefusedUrls = (text: string) =>
  /Content Security Policy/i.test(text)
    ? (text.match(/\b(?:https?|wss?):\/\/[^\s'"]+/g) ?? []).map((u) => u.replace(/[.,;:)]+$/, ''))
    : [];

/**
 * Notes every request to another host by any page of any context the browser opens from now on: those made,
 * and those the console's CSP refused (they never reach the network, so no request event tells of them).
 */
function watchForeignRequests(browser: Browser, serverOrigin: string, noted: string[]): void {
  browser.on('context', (context) => {
    context.on('request', (req) => {
      if (!isOwnRequest(req.url(), serverOrigin)) noted.push(`${req.method()} ${req.url()}`);
    });
    context.on('console', (msg) => {
      for (const url of cspRefusedUrls(msg.text()))
        if (URL.canParse(url) && !isOwnRequest(url, serverOrigin)) noted.push(`${url} (refused by the CSP)`);
    });
  });
}

/** The stages of this test file that are open: each test ends by reporting the foreign requests made during it. */
const openStages = new Set<ConsoleStage>();

function reportForeignRequests(stage: ConsoleStage): void {
  const made = [...new Set(stage.foreignRequests.splice(0))];
  if (made.length > 0)
    throw new Error(`The console asked another host than the server ${stage.server.url}: ${made.join(', ')}`);
}

// Registered when a test file imports this module, so it runs after every test of every browser test file.
afterEach(() => {
  for (const stage of openStages) reportForeignRequests(stage);
});

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
  const foreignRequests: string[] = [];
  if (launched.browser) watchForeignRequests(launched.browser, new URL(server.url).origin, foreignRequests);
  const stage: ConsoleStage = {
    server,
    ...launched,
    foreignRequests,
    async close() {
      openStages.delete(stage);
      await launched.browser?.close();
      await server.stop();
      await dropDatabase?.();
      reportForeignRequests(stage);
    },
  };
  openStages.add(stage);
  return stage;
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
