// Proves that the CLI starts without what only a few commands use: the database drivers and their schema load for
// `admin rotate-root-key` (and `server`), jose for `login --service-principal`; every other command, and the help
// of all of them, starts without them. And that the command loading them on demand still runs.
import { describe, expect, it } from 'vitest';
import { assertCliBuilt, runCliProcess } from '../support/cli-process.js';
import { tempDir } from '../support/server-process.js';

/** A module hook that names on stderr every ES module the process loads. */
const hooks = `export async function load(url, context, next) {
  if (url.startsWith('file:')) process.stderr.write('loaded ' + url + '\\n');
  return next(url, context);
}`;
const registerHooks = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;

/** The modules `steward <args>` loads, by the package (or `dist/…` directory) they come from. */
async function modulesLoadedBy(args: string[]) {
  const run = await runCliProcess(args, {
    HOME: tempDir('steward-cli-startup-home-'),
    NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(registerHooks)}`,
  });
  const urls = [...run.stderr.matchAll(/^loaded (.*)$/gm)].map(([, url]) => url!);
  const packages = new Set<string>();
  for (const url of urls) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url) ?? /\/dist\/([^/]+\/[^/.]+)/.exec(url);
    if (m) packages.add(m[1]!);
  }
  return { code: run.code, packages, urls };
}

describe('the CLI at start', () => {
  it('loads no database driver, schema or token library for the help of every command', async () => {
    assertCliBuilt();
    const { code, packages, urls } = await modulesLoadedBy(['--help']);
    expect(code).toBe(0);
    // It did load the commands (the hook sees them), so what is missing is missing because it is not needed.
    expect(packages).toContain('cli/commands');
    expect(packages).toContain('zod');
    for (const heavy of ['@electric-sql/pglite', 'pg', 'store/schema', 'store/db', 'jose'])
      expect(packages, heavy).not.toContain(heavy);
    // Of drizzle-orm, its error class alone (to explain a database error in one line), not the ORM.
    expect(urls.filter((u) => u.includes('/drizzle-orm/')).map((u) => u.split('/drizzle-orm/')[1])).toEqual([
      'errors.js',
      'entity.js',
    ]);
  });

  it('still runs `admin rotate-root-key`, which loads the database when it runs', async () => {
    assertCliBuilt();
    const dataDir = tempDir('steward-cli-startup-data-');
    const run = await runCliProcess(['admin', 'rotate-root-key', '--json'], {
      HOME: tempDir('steward-cli-startup-home-'),
      STEWARD_DATA_DIR: dataDir,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rewrapped: 0 });
  }, 60_000);
});
