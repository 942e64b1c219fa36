// The console's first load, read from the built files in dist/console: what a browser fetches to open the console
// and show the first page after sign-in. That is index.html and every file it names (entry script, styles, icon),
// then the landing page's chunk and the chunks and styles the entry preloads with it, and their static imports.
// Each file counts as the server sends it: gzipped (level 9) when it is text over 1 KiB.
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The goal of the issue: the first load under 300 KB gzipped. */
export const FIRST_LOAD_BUDGET_BYTES = 300_000;

/** Signed in, `/` redirects to Run As Accounts (console/src/App.tsx): its lazy page is the first one shown. */
export const LANDING_CHUNK = 'AccountsPage';

export const consoleDistDir = join(import.meta.dirname, '../dist/console');

export interface FirstLoadFile {
  path: string;
  bytes: number;
  sent: number;
}

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

/** The bytes the server sends for a file to a browser that accepts gzip (src/server/console-static.ts). */
export function sentBytes(body: Buffer, path: string): number {
  return COMPRESSIBLE.has(extname(path)) && body.length > 1024
    ? gzipSync(body, { level: 9 }).length
    : body.length;
}

/** The URL paths of the first load, index.html first. Throws when the build does not look as expected. */
export function firstLoadPaths(dir: string = consoleDistDir): string[] {
  const read = (path: string) => readFileSync(join(dir, path), 'utf8');
  if (!existsSync(join(dir, 'index.html')))
    throw new Error(`${dir}/index.html is missing: build the console first (npm run build)`);
  const html = read('index.html');
  const named = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
  const entry = named.find((p) => p.startsWith('/assets/index-') && p.endsWith('.js'));
  if (!entry) throw new Error('index.html names no entry script (/assets/index-….js)');
  const entryCode = read(entry);

  // Vite preloads a lazy page's dependencies with its dynamic import: import("./X.js"),__vite__mapDeps([i…]),
  // where the indices point into the list of files it keeps in `m.f`.
  const deps = /m\.f=(\[[^\]]*\])/.exec(entryCode);
  const landing = new RegExp(
    `import\\("\\./(${LANDING_CHUNK}-[\\w-]+\\.js)"\\)(?:,__vite__mapDeps\\(\\[([\\d,]*)\\]\\))?`,
  ).exec(entryCode);
  if (!landing) throw new Error(`the entry script imports no ${LANDING_CHUNK} chunk`);
  const depFiles: string[] = deps ? JSON.parse(deps[1]!) : [];
  const preloaded = (landing[2] ?? '')
    .split(',')
    .filter(Boolean)
    .map((i) => `/${depFiles[Number(i)]}`);

  const files = new Set([...named, `/assets/${landing[1]}`, ...preloaded]);
  // Static imports of every script in the set, followed to the end.
  const queue = [...files].filter((p) => p.endsWith('.js'));
  while (queue.length > 0) {
    for (const m of read(queue.shift()!).matchAll(/(?:\bfrom|\bimport)\s*"\.\/([\w.-]+\.js)"/g)) {
      const path = `/assets/${m[1]}`;
      if (!files.has(path)) {
        files.add(path);
        queue.push(path);
      }
    }
  }
  return ['/index.html', ...[...files].filter((p) => existsSync(join(dir, p)))];
}

/** Each file of the first load with its size on disk and as sent, and the total sent. */
export function firstLoad(dir: string = consoleDistDir): { files: FirstLoadFile[]; sent: number } {
  const files = firstLoadPaths(dir).map((path) => {
    const body = readFileSync(join(dir, path));
    return { path, bytes: body.length, sent: sentBytes(body, path) };
  });
  return { files, sent: files.reduce((n, f) => n + f.sent, 0) };
}
