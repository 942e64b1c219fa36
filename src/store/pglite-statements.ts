// Drizzle's queries on PGlite as named prepared statements. PGlite's own `query` sends a statement's six protocol
// messages (parse, describe, bind, describe, execute, sync) in six calls into the database, and PostgreSQL parses
// and plans its text every time. Here a text is parsed once (its parameter types read with it), and each run after
// is one call: bind, describe, execute and sync together. The statements are PostgreSQL's, per session: PGlite has
// one. The most recently used are kept; one falling out is closed with the next run.
import { type PGlite, parse, protocol, type Results } from '@electric-sql/pglite';

/** Statements kept prepared, at most (drizzle makes a text per shape: a batch of 3 rows is not one of 4). */
const MAX_STATEMENTS = 256;

/**
 * Whether a text is kept prepared: not one with a long list of values (a text per list's length, and PostgreSQL
 * keeps each one's parse tree and plan), which runs as PGlite runs any query.
 */
export const preparable = (text: string, params: readonly unknown[] | undefined) =>
  text.length <= 16_384 && (params?.length ?? 0) <= 256;

/** PostgreSQL's codes for a prepared statement gone or outdated (`cached plan must not change result type`). */
const STALE_STATEMENT = new Set(['26000', '0A000']);
const isStale = (err: unknown) => STALE_STATEMENT.has((err as { code?: string }).code ?? '');

interface Prepared {
  name: string;
  /** The type of each parameter, as PostgreSQL inferred it: what PGlite's serializers are chosen by. */
  types: number[];
}

const send = protocol.serialize;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function createPgliteStatements(client: PGlite) {
  const prepared = new Map<string, Prepared>();
  let made = 0;
  /** Statements dropped from `prepared`, closed at the start of the next call into the database. */
  let toClose: string[] = [];

  const closing = () => {
    const parts = toClose.map((name) => send.close({ type: 'S', name }));
    toClose = [];
    return parts;
  };

  async function prepare(text: string): Promise<Prepared> {
    const name = `steward_s${++made}`;
    const { messages } = await client.execProtocol(
      concat([...closing(), send.parse({ name, text }), send.describe({ type: 'S', name }), send.sync()]),
      { syncToFs: false },
    );
    const statement = { name, types: parse.parseDescribeStatementResults(messages) };
    prepared.set(text, statement);
    if (prepared.size > MAX_STATEMENTS) {
      const [oldest] = prepared;
      prepared.delete(oldest![0]);
      toClose.push(oldest![1].name);
    }
    return statement;
  }

  const forget = (text: string) => {
    const statement = prepared.get(text);
    if (!statement) return;
    prepared.delete(text);
    toClose.push(statement.name);
  };

  async function execute(text: string, params: readonly unknown[], rowMode: 'array' | 'object') {
    let statement = prepared.get(text);
    if (statement) {
      // Most recently used last: the first is the one to drop.
      prepared.delete(text);
      prepared.set(text, statement);
    } else statement = await prepare(text);
    const { types } = statement;
    // As PGlite's `query` serializes them: by the type PostgreSQL inferred for each parameter.
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serialize = client.serializers[types[i]!];
      return serialize ? serialize(value) : String(value);
    });
    const { messages } = await client.execProtocol(
      concat([
        ...closing(),
        send.bind({ statement: statement.name, values }),
        send.describe({ type: 'P' }),
        send.execute({}),
        send.sync(),
      ]),
      { syncToFs: false },
    );
    return parse.parseResults(messages, client.parsers, { rowMode })[0] as Results;
  }

  /**
   * Runs `text` with `params`, as PGlite's `query` would. `inTransaction`: from inside `client.transaction`, which
   * holds the session already.
   */
  async function run(
    text: string,
    params: readonly unknown[] | undefined,
    rowMode: 'array' | 'object' = 'object',
    inTransaction = false,
  ): Promise<Results> {
    const once = () => client._runExclusiveQuery(() => execute(text, params ?? [], rowMode));
    if (inTransaction) {
      try {
        return await once();
      } catch (err) {
        // The transaction is aborted: it fails; the statement is prepared again by the next to use it.
        if (isStale(err)) forget(text);
        throw err;
      }
    }
    return client._runExclusiveTransaction(async () => {
      try {
        return await once();
      } catch (err) {
        if (!isStale(err)) throw err;
        forget(text);
        return await once();
      } finally {
        await client.syncToFs();
      }
    });
  }

  return { run, size: () => prepared.size };
}
