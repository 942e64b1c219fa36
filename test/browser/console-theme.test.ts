// Proves the console's theme keeps text on a light tint readable: for every theme colour, text in the colour's
// light-variant text colour on its light tint (what light Badges and Alert titles and bodies use) passes axe-core's
// colour-contrast rule in the light and the dark theme, in a real Chromium against a real `steward server` process.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleStage, seriousViolations, startConsoleStage } from './browser.js';

const COLOURS = [
  'gray',
  'red',
  'pink',
  'grape',
  'violet',
  'indigo',
  'blue',
  'cyan',
  'teal',
  'green',
  'lime',
  'yellow',
  'orange',
];

let browser: Browser;
let launchError: unknown;
let stage: ConsoleStage | undefined;

beforeAll(async () => {
  // A browser that cannot start fails every test below (it does not skip them).
  stage = await startConsoleStage({ STEWARD_LOG_LEVEL: 'warn' });
  launchError = stage.launchError;
  if (stage.browser) browser = stage.browser;
}, 120_000);

afterAll(async () => {
  await stage?.close();
});

/** The sign-in page in the given colour scheme, with one tinted swatch per theme colour added to it. */
async function swatches(scheme: 'light' | 'dark'): Promise<Page> {
  if (launchError || !stage) throw new Error(`Chromium did not start: ${String(launchError)}`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(`localStorage.setItem('steward-color-scheme', '${scheme}')`);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(stage.server.url);
  await page.locator(`html[data-mantine-color-scheme="${scheme}"]`).waitFor({ state: 'attached' });
  await page.getByRole('button', { name: /sign in/i }).waitFor();
  // One paragraph per colour, styled through the CSSOM (the page's CSP refuses inline style attributes).
  await page.locator('main').evaluate((main, colours) => {
    for (const c of colours) {
      const swatch = main.ownerDocument.createElement('p');
      swatch.dataset.swatch = c;
      swatch.textContent = `Light ${c} tint`;
      swatch.style.color = `var(--mantine-color-${c}-light-color)`;
      swatch.style.backgroundColor = `var(--mantine-color-${c}-light)`;
      swatch.style.fontSize = '12px';
      main.append(swatch);
    }
  }, COLOURS);
  return page;
}

describe('console theme', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`text on every colour's light tint passes axe's colour contrast (${scheme} theme)`, async () => {
      const page = await swatches(scheme);
      try {
        expect(await page.locator('[data-swatch]').count()).toBe(COLOURS.length);
        expect(await seriousViolations(page)).toEqual([]);
      } finally {
        await page.context().close();
      }
    }, 60_000);
  }
});
