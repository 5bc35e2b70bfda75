import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { closeAction, CloseCode } from './close-codes.js';
import { jsonCodec, superjsonCodec } from './codec.js';
import { RpcErrorCode } from './error-codes.js';
import { BATCH_FLUSH_LENGTH, MAX_BATCH_FRAME_LENGTH, MAX_PAYLOAD_DEPTH, MAX_PAYLOAD_VALUES } from './frame.js';
import {
  clientMessageSchemas,
  MAX_BATCH_SIZE,
  MAX_ID_LENGTH,
  MAX_META_ENTRIES,
  MAX_PATH_LENGTH,
  MAX_TIMEOUT_MS,
  MessageType,
  serverMessageSchemas,
} from './messages.js';
import { richCodec } from './rich-codec.js';
import { formatSubprotocol } from './version.js';

// PROTOCOL.md is normative; these tests fail whenever it and the code tables drift apart.
const SPEC_PATH = fileURLToPath(new URL('../../../../PROTOCOL.md', import.meta.url));
const spec = readFileSync(SPEC_PATH, 'utf8');
const lines = spec.split(/\r?\n/);

interface MarkdownTable {
  readonly columns: readonly string[];
  /** One record per body row, keyed by column title; cells are trimmed and unwrapped from backticks. */
  readonly rows: readonly Readonly<Record<string, string>>[];
}

function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim().replace(/^`(.*)`$/, '$1'));
}

/** Reads the first table under the heading line `heading` (up to the next heading of any level). */
function readTable(heading: string): MarkdownTable {
  const starts = lines.flatMap((line, index) => (line.trim() === heading ? [index] : []));
  if (starts.length !== 1) {
    throw new Error(`PROTOCOL.md must have exactly one "${heading}" heading, found ${String(starts.length)}`);
  }
  const tableLines: string[] = [];
  for (const line of lines.slice((starts[0] as number) + 1)) {
    if (/^#{1,6} /.test(line)) break;
    if (line.trim().startsWith('|')) tableLines.push(line);
    else if (tableLines.length > 0) break;
  }
  const [header, separator, ...body] = tableLines;
  if (header === undefined || separator === undefined || !/^[\s|:-]+$/.test(separator)) {
    throw new Error(`PROTOCOL.md has no markdown table under "${heading}"`);
  }
  const columns = splitRow(header);
  const rows = body.map((line, index) => {
    const cells = splitRow(line);
    if (cells.length !== columns.length) {
      throw new Error(
        `PROTOCOL.md "${heading}" row ${String(index + 1)} has ${String(cells.length)} cells, expected ${String(columns.length)}: ${line}`,
      );
    }
    return Object.fromEntries(columns.map((column, cell) => [column, cells[cell] as string]));
  });
  return { columns, rows };
}

/**
 * Lists every difference between the spec's name → value pairs and the code's, in both directions.
 * With `uniqueValues`, a value documented under two names is a difference too (codes are unique).
 */
function diffTables(
  what: string,
  documented: readonly (readonly [string, string | number])[],
  code: Readonly<Record<string, string | number>>,
  { uniqueValues = true } = {},
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [name, value] of documented) {
    if (seen.has(name)) problems.push(`${what} "${name}" is listed twice in PROTOCOL.md`);
    seen.add(name);
    if (!Object.hasOwn(code, name)) {
      problems.push(`${what} "${name}" = ${JSON.stringify(value)} is in PROTOCOL.md but not in the code table`);
    } else if (code[name] !== value) {
      problems.push(
        `${what} "${name}" is ${JSON.stringify(value)} in PROTOCOL.md but ${JSON.stringify(code[name])} in the code table`,
      );
    }
  }
  for (const [name, value] of Object.entries(code)) {
    if (!seen.has(name)) {
      problems.push(`${what} "${name}" = ${JSON.stringify(value)} is in the code table but missing from PROTOCOL.md`);
    }
  }
  const values = uniqueValues ? documented.map(([, value]) => value) : [];
  for (const value of new Set(values)) {
    if (values.filter((other) => other === value).length > 1) {
      problems.push(`${what} value ${JSON.stringify(value)} is listed more than once in PROTOCOL.md`);
    }
  }
  return problems;
}

function toInteger(cell: string, where: string): number {
  if (!/^\d+$/.test(cell)) throw new Error(`${where}: "${cell}" is not a plain integer`);
  return Number(cell);
}

describe('PROTOCOL.md "Close codes" table', () => {
  const table = readTable('## Close codes');

  it('starts with the columns Code and Name', () => {
    expect(table.columns.slice(0, 2)).toEqual(['Code', 'Name']);
  });

  it('lists exactly the codes of CloseCode, with the same numbers', () => {
    const documented = table.rows.map(
      (row) => [row.Name as string, toInteger(row.Code as string, `close code ${String(row.Name)}`)] as const,
    );
    expect(diffTables('close code', documented, CloseCode), 'PROTOCOL.md "## Close codes" and CloseCode differ').toEqual([]);
  });

  it('has a "Client action" column that matches closeAction() for every row', () => {
    expect(table.columns).toContain('Client action');
    const problems = table.rows.flatMap((row) => {
      const code = toInteger(row.Code as string, `close code ${String(row.Name)}`);
      const documented = row['Client action'];
      const actual = closeAction(code);
      return documented === actual
        ? []
        : [`close code ${String(code)} (${String(row.Name)}): PROTOCOL.md says "${String(documented)}", closeAction() says "${actual}"`];
    });
    expect(problems, 'PROTOCOL.md "## Close codes" client actions and closeAction() differ').toEqual([]);
  });
});

describe('PROTOCOL.md "Error codes" table', () => {
  const table = readTable('## Error codes');

  it('starts with the columns Code and Name', () => {
    expect(table.columns.slice(0, 2)).toEqual(['Code', 'Name']);
  });

  it('lists exactly the codes of RpcErrorCode, with the same wire strings', () => {
    const documented = table.rows.map((row) => [row.Name as string, row.Code as string] as const);
    expect(diffTables('error code', documented, RpcErrorCode), 'PROTOCOL.md "## Error codes" and RpcErrorCode differ').toEqual(
      [],
    );
  });
});

describe('PROTOCOL.md "Message types" table', () => {
  const table = readTable('## Message types');

  it('starts with the columns Type and Direction, and has a Name column', () => {
    expect(table.columns.slice(0, 2)).toEqual(['Type', 'Direction']);
    expect(table.columns).toContain('Name');
  });

  it('lists exactly the types of MessageType, with the same names', () => {
    const documented = table.rows.map((row) => [row.Name as string, row.Type as string] as const);
    expect(diffTables('message type', documented, MessageType), 'PROTOCOL.md "## Message types" and MessageType differ').toEqual(
      [],
    );
  });

  it('gives each type the direction of the decoder that accepts it', () => {
    const codeDirections = Object.fromEntries([
      ...Object.keys(clientMessageSchemas).map((type) => [type, 'Client → Server']),
      ...Object.keys(serverMessageSchemas).map((type) => [type, 'Server → Client']),
    ]) as Record<string, string>;
    const documented = table.rows.map((row) => [row.Type as string, row.Direction as string] as const);
    expect(
      diffTables('direction of message type', documented, codeDirections, { uniqueValues: false }),
      'PROTOCOL.md "## Message types" directions and the client/server decoders differ',
    ).toEqual([]);
  });

  it('has a "### `<type>`" section for every message type', () => {
    const missing = Object.values(MessageType).filter((type) => !lines.includes(`### \`${type}\``));
    expect(missing, 'message types without a section in PROTOCOL.md').toEqual([]);
  });
});

describe('PROTOCOL.md "Limits" table', () => {
  const table = readTable('### Limits');

  it('lists exactly the exported limits, with the same values', () => {
    const limits = {
      MAX_ID_LENGTH,
      MAX_PATH_LENGTH,
      MAX_BATCH_SIZE,
      MAX_TIMEOUT_MS,
      MAX_BATCH_FRAME_LENGTH,
      BATCH_FLUSH_LENGTH,
      MAX_META_ENTRIES,
      MAX_PAYLOAD_DEPTH,
      MAX_PAYLOAD_VALUES,
    };
    const documented = table.rows.map(
      (row) => [row.Constant as string, toInteger(row.Value as string, `limit ${String(row.Constant)}`)] as const,
    );
    expect(diffTables('limit', documented, limits), 'PROTOCOL.md "### Limits" and the exported constants differ').toEqual([]);
  });
});

describe('PROTOCOL.md subprotocols', () => {
  it.each([richCodec, superjsonCodec, jsonCodec])('names the subprotocol of the $name codec', (codec) => {
    expect(spec).toContain(`\`${formatSubprotocol(codec.name)}\``);
  });
});
