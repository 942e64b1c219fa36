// Holds the console to its first-load budget: index.html, its entry script and styles, and the chunks of the
// first page after sign-in (Run As Accounts), as the server sends them (gzipped), under 300 KB. Reads the built
// console in dist/console (`npm test` builds it first). The browser test (console.test.ts) checks the same
// budget on the bytes Chromium receives, and that it fetches nothing this list leaves out.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  consoleDistDir,
  FIRST_LOAD_BUDGET_BYTES,
  firstLoad,
  LANDING_CHUNK,
} from '../../scripts/console-first-load.js';

describe('the console first load', () => {
  it('holds the entry and the landing page with what it imports', () => {
    const { files } = firstLoad();
    const paths = files.map((f) => f.path);
    expect(paths[0]).toBe('/index.html');
    expect(paths.filter((p) => /^\/assets\/index-.*\.js$/.test(p))).toHaveLength(1);
    expect(paths.some((p) => p.endsWith('.css'))).toBe(true);
    expect(paths.filter((p) => p.startsWith(`/assets/${LANDING_CHUNK}-`))).toHaveLength(1);
    // The landing page's own imports are there (its table, at least), and no other page's chunk.
    expect(paths.some((p) => p.startsWith('/assets/Table-'))).toBe(true);
    expect(paths.filter((p) => /Page-[\w-]+\.js$/.test(p))).toEqual([
      expect.stringMatching(new RegExp(`^/assets/${LANDING_CHUNK}-`)),
    ]);
    for (const p of paths) expect(existsSync(join(consoleDistDir, p)), p).toBe(true);
  });

  it('is under 300 KB gzipped', () => {
    const { files, sent } = firstLoad();
    console.info(`console first load: ${sent} bytes gzipped in ${files.length} files`);
    expect(sent).toBeLessThan(FIRST_LOAD_BUDGET_BYTES);
  });
});
