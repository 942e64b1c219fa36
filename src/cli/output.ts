// How commands print: tables and short sentences for people, one JSON document with --json for scripts.
import Table from 'cli-table3';

export interface Column<T> {
  header: string;
  value: (item: T) => unknown;
}

export interface Output {
  readonly json: boolean;
  /** In --json mode prints `value` as one JSON document; otherwise runs `human`. */
  result(value: unknown, human: () => void): void;
  /** A line on stdout. */
  line(text: string): void;
  /** A line on stderr: warnings and progress, kept out of what scripts parse. */
  note(text: string): void;
  table<T>(items: readonly T[], columns: Column<T>[], emptyText: string): void;
  /** Label/value lines for one record. */
  fields(rows: [label: string, value: unknown][]): void;
}

const borderless = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** One cell: timestamps without milliseconds, '-' for nothing, yes/no, compact JSON for objects. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') {
    return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value) ? value.replace(/\.\d+Z$/, 'Z') : value;
  }
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) {
    return value.length ? value.map(cell).join(', ') : '-';
  }
  const text = JSON.stringify(value);
  return text === '{}' ? '-' : text;
}

export function createOutput(
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
  json: boolean,
): Output {
  const line = (text: string) => {
    stdout.write(`${text}\n`);
  };
  return {
    json,
    result(value, human) {
      if (json) line(JSON.stringify(value ?? null, null, 2));
      else human();
    },
    line,
    note: (text) => {
      stderr.write(`${text}\n`);
    },
    table(items, columns, emptyText) {
      if (items.length === 0) {
        line(emptyText);
        return;
      }
      const table = new Table({
        head: columns.map((c) => c.header.toUpperCase()),
        chars: borderless,
        style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
      });
      for (const item of items) table.push(columns.map((c) => cell(c.value(item))));
      line(
        table
          .toString()
          .split('\n')
          .map((l) => l.trimEnd())
          .join('\n'),
      );
    },
    fields(rows) {
      const width = Math.max(...rows.map(([label]) => label.length));
      for (const [label, value] of rows) line(`${`${label}:`.padEnd(width + 2)}${cell(value)}`);
    },
  };
}
