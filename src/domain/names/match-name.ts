// Finding a thing by the name people use: its id, its name, or its display name, regardless of case. One match
// is accepted; several are refused with the candidates listed, so the user can pick one by id.

export interface Named {
  id: string;
  /** Names it is known by: its name, its display name, … (empty ones are ignored). */
  names: readonly (string | null | undefined)[];
  /** How to show it among the candidates, e.g. `pool Notifications Resource Pool`. */
  label: string;
}

export type NameMatch =
  | { ok: true; id: string }
  | { ok: false; reason: 'none'; message: string }
  | { ok: false; reason: 'ambiguous'; message: string; candidates: string[] };

const fold = (s: string) => s.normalize('NFC').trim().toLocaleLowerCase('en');

/** `what` names the kind asked for in messages: "computer, pool or management server". */
export function matchName(ref: string, items: readonly Named[], what: string): NameMatch {
  const byId = items.find((i) => i.id === ref);
  if (byId) return { ok: true, id: byId.id };
  const wanted = fold(ref);
  const hits = items.filter((i) => i.names.some((n) => n && fold(n) === wanted));
  const unique = [...new Map(hits.map((h) => [h.id, h])).values()];
  if (unique.length === 1) return { ok: true, id: unique[0]!.id };
  if (unique.length === 0) return { ok: false, reason: 'none', message: `no ${what} is named '${ref}'` };
  const candidates = unique.map((h) => `${h.label} (${h.id})`).sort();
  return {
    ok: false,
    reason: 'ambiguous',
    message: `'${ref}' names ${unique.length} of them (${candidates.join(', ')}); give the id of the one you mean`,
    candidates,
  };
}
