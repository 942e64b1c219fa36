// Maps of sets, as the resolution indexes keep them.

/** Adds `v` to the set under `k`, making the set when it is the first. */
export const addTo = <K, V>(m: Map<K, Set<V>>, k: K, v: V): void => {
  let s = m.get(k);
  if (!s) {
    s = new Set();
    m.set(k, s);
  }
  s.add(v);
};
