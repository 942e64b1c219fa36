// The accounts a configuration runs as: what its entries resolve to and its default action account, among those
// distributed to its runner. All an agent holds, and all it is sent with its configuration when it holds none.

export interface ConfigAccounts<A extends { id: string }> {
  entries: readonly { resolution: { kind: string; accountId?: string } }[];
  defaultActionAccountId: string | null;
  /** The accounts distributed to the runner, each at its current version. */
  accounts: readonly A[];
}

export function accountsInUse<A extends { id: string }>(config: ConfigAccounts<A>): A[] {
  const used = new Set<string>();
  for (const e of config.entries)
    if (e.resolution.kind === 'account' && e.resolution.accountId) used.add(e.resolution.accountId);
  if (config.defaultActionAccountId) used.add(config.defaultActionAccountId);
  return config.accounts.filter((a) => used.has(a.id));
}
