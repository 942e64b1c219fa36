// Reading the audit log in tests.

/** The version of the account a `credential.delivery` record carried (each names every account it carried). */
export const deliveredVersion = (
  record: { details: Record<string, unknown> },
  accountId: string,
): number | undefined =>
  ((record.details.accounts as { account: string; version: number }[] | undefined) ?? []).find(
    (a) => a.account === accountId,
  )?.version;

/** Whether a `credential.delivery` record carried the account. */
export const deliveredIn = (record: { details: Record<string, unknown> }, accountId: string): boolean =>
  deliveredVersion(record, accountId) !== undefined;
