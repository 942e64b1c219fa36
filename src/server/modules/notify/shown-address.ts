// Addresses as people see them: an https address is a key (a webhook URL posts to the channel), so it reads back
// as its host and a fingerprint, and that shown form, sent back in a change, stands for the stored address.
import { createHash } from 'node:crypto';
import { shownHttpsAddress } from '../../../contract/notify-api.js';
import { invalid } from '../../errors.js';

/** The address with the path and query of an https address replaced by a fingerprint of the whole address. */
export function shownAddress(address: string): string {
  const url = /^https:\/\/([^/?#\s]+)/i.exec(address);
  if (!url) return address;
  const fingerprint = createHash('sha256').update(address).digest('hex').slice(0, 12);
  return `https://${url[1]}/… (fingerprint ${fingerprint})`;
}

/**
 * The given addresses with each one in shown form replaced by the stored address of the same kind it shows;
 * one that shows no stored address is refused, since what it stands for cannot be known.
 */
export function withStoredAddresses<A extends { kind: string; address: string }>(
  given: readonly A[],
  stored: readonly { kind: string; address: string }[],
): A[] {
  return given.map((a, i) => {
    if (!shownHttpsAddress.test(a.address)) return a;
    const kept = stored.find((s) => s.kind === a.kind && shownAddress(s.address) === a.address);
    if (!kept)
      throw invalid(
        `body.addresses[${i}].address`,
        'shows no address this subscriber has; give the whole https link',
      );
    return { ...a, address: kept.address };
  });
}
