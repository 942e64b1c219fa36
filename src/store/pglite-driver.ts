// The PGlite client drizzle's driver is given: result values parsed as the driver wants them by the instance, set
// once rather than with every query, and its queries run as prepared statements (`pglite-statements.ts`).
import type { PGlite, QueryOptions } from '@electric-sql/pglite';
import { types } from '@electric-sql/pglite';
import { createPgliteStatements, preparable } from './pglite-statements.js';

/**
 * The types drizzle's PGlite driver reads as PostgreSQL's text (it parses them itself): timestamps, dates,
 * intervals, and the arrays of those and of numerics. It asks for that with every query, and PGlite merges a
 * query's parsers into a copy of all its own (~300) every time: more work than a small query itself.
 */
const DRIVER_TEXT_TYPES = [
  types.TIMESTAMP,
  types.TIMESTAMPTZ,
  types.INTERVAL,
  types.DATE,
  1231, // numeric[]
  1115, // timestamp[]
  1185, // timestamptz[]
  1187, // interval[]
  1182, // date[]
];
const ARRAY_ELEMENT: Record<number, number> = {
  1231: types.NUMERIC,
  1115: types.TIMESTAMP,
  1185: types.TIMESTAMPTZ,
  1187: types.INTERVAL,
  1182: types.DATE,
};

/**
 * The client for drizzle's driver: the driver's text types read as text by the instance (once), and its queries
 * run as prepared statements. `ownParsers` are PGlite's own for those types, for queries made outside the driver.
 */
export function pgliteForDriver(client: PGlite) {
  let made = madeForDriver.get(client);
  if (!made) {
    made = driverView(client);
    madeForDriver.set(client, made);
  }
  return made;
}
const madeForDriver = new WeakMap<PGlite, ReturnType<typeof driverView>>();

function driverView(client: PGlite) {
  const own = client.parsers;
  const ownParsers: NonNullable<QueryOptions['parsers']> = {};
  for (const oid of DRIVER_TEXT_TYPES) {
    const element = ARRAY_ELEMENT[oid];
    const parseElement = element === undefined ? undefined : own[element];
    ownParsers[oid] = parseElement ? (text) => types.arrayParser(text, parseElement, oid) : own[oid]!;
  }
  for (const oid of DRIVER_TEXT_TYPES) own[oid] = (text: string) => text;
  const driverTypes = new Set(DRIVER_TEXT_TYPES.map(String));
  /** The row mode of a query drizzle makes (its parsers are now the instance's); undefined for any other query. */
  const driverRowMode = (options?: QueryOptions) => {
    if (!options) return 'object';
    const { rowMode, parsers, ...other } = options;
    if (Object.keys(other).length) return undefined;
    if (parsers && !Object.keys(parsers).every((k) => driverTypes.has(k))) return undefined;
    return rowMode ?? 'object';
  };
  const statements = createPgliteStatements(client);
  /** A query drizzle makes, prepared, or unprepared without its parsers; any other as PGlite's `query` runs it. */
  const queryOn =
    (unprepared: PGlite['query'], inTransaction: boolean) =>
    (text: string, params?: unknown[], options?: QueryOptions) => {
      const rowMode = driverRowMode(options);
      if (!rowMode) return unprepared(text, params, options);
      return preparable(text, params)
        ? statements.run(text, params, rowMode, inTransaction)
        : unprepared(text, params, { rowMode });
    };
  type Tx = Parameters<Parameters<PGlite['transaction']>[0]>[0];
  const driverClient = {
    query: queryOn((text, params, options) => client.query(text, params, options), false),
    transaction: <T>(fn: (tx: Tx) => Promise<T>) =>
      client.transaction((tx) =>
        fn(
          Object.create(tx, {
            query: { value: queryOn((text, params, options) => tx.query(text, params, options), true) },
          }) as Tx,
        ),
      ),
  } as unknown as PGlite;
  return { driverClient, ownParsers };
}
