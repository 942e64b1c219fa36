// Where @azure/identity is installed, for runbooks (child processes) that load it by path.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/**
 * The folder holding @azure/identity: the repo's node_modules, or AZURE_IDENTITY_NODE_MODULES (a separate
 * install, for a worktree whose node_modules is shared and lacks it).
 */
export function azureIdentityModules(): string {
  const require = createRequire(import.meta.url);
  const fallback = process.env.AZURE_IDENTITY_NODE_MODULES;
  const pkg = require.resolve('@azure/identity/package.json', fallback ? { paths: [fallback] } : undefined);
  return dirname(dirname(dirname(pkg)));
}
