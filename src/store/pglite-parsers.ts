// PGlite's parsing of result values for drizzle's driver: set once on the instance rather than with every query.
import type { PGlite, QueryOptions } from '@electric-sql/pglite';
import { types } from '@electric-sql/pglite';

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
 * Reads the driver's text types as text on the instance, once, and gives the driver a client whose queries carry
 * no parsers of their own (any other parsers are passed on). `ownParsers` are PGlite's own for those types, for
 * queries made outside the driver.
 */
export function parsersForDriver(client: PGlite) {
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
  const plain = (options?: QueryOptions): QueryOptions | undefined => {
    if (!options?.parsers || !Object.keys(options.parsers).every((k) => driverTypes.has(k))) return options;
    const { parsers: _asOnTheInstance, ...rest } = options;
    return rest;
  };
  type Tx = Parameters<Parameters<PGlite['transaction']>[0]>[0];
  const driverClient = {
    query: (text: string, params?: unknown[], options?: QueryOptions) =>
      client.query(text, params, plain(options)),
    transaction: <T>(fn: (tx: Tx) => Promise<T>) =>
      client.transaction((tx) =>
        fn(
          Object.create(tx, {
            query: {
              value: (text: string, params?: unknown[], options?: QueryOptions) =>
                tx.query(text, params, plain(options)),
            },
          }) as Tx,
        ),
      ),
  } as unknown as PGlite;
  return { driverClient, ownParsers };
}
