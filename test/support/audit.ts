// Reading the audit log in tests.

/** Whether a `credential.delivery` record carried the account: each record names every account it carried. */
export const deliveredIn = (record: { details: Record<string, unknown> }, accountId: string): boolean =>
  ((record.details.accounts as { account: string }[] | undefined) ?? []).some((a) => a.account === accountId);

/** The version of the account a `credential.delivery` record carried, if it carried it. */
export const deliveredVersion = (
  record: { details: Record<string, unknown> },
  accountId: string,
): number | undefined =>
  ((record.details.accounts as { account: string; version: number }[] | undefined) ?? []).find(
    (a) => a.account === accountId,
  )?.version;
