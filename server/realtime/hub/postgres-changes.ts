// `postgres_changes` on the embedded hub (docs/realtime-protocol.md §10): a channel's bindings,
// Supabase's filter syntax, who may read which row (docs/architecture.md §8), and the event frame
// in Supabase Realtime's wire shape (what realtime-js's RealtimeChannel turns into
// `{schema, table, commit_timestamp, eventType, new, old, errors}`).
import { roleOf } from '../../auth/tokens.ts';
import type { VerifiedClaims } from '../../auth/jwt.ts';
import { isRecord } from '../../lib/is-record.ts';
import { isServiceRole } from './policy.ts';

/** The tables the change feed reports; a binding for any other table never matches. */
export const CHANGE_TABLES = ['messages', 'rooms'] as const;
export type ChangeTable = (typeof CHANGE_TABLES)[number];
export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE';

/** One committed row change, as the change feed reads it. */
export interface RowChange {
  table: ChangeTable;
  type: ChangeType;
  /** The row as Postgres's `to_jsonb` gives it (snake_case columns); `{}` for a DELETE. */
  record: Record<string, unknown>;
  /** The primary key only (`{id}`) for UPDATE and DELETE, as Supabase sends without REPLICA IDENTITY FULL. */
  oldRecord: Record<string, unknown>;
  columns: Array<{ name: string; type: string }>;
  /** The room the row belongs to: a message's `room_id`, a room's `id`. */
  roomId: string;
  /** That room's parent (a conversation's support room), or null. */
  parentId: string | null;
  /** ISO 8601, when the change was committed (as the feed saw its notification). */
  commitTimestamp: string;
}

type FilterOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';
interface Filter {
  column: string;
  op: FilterOp;
  /** One value, or the list of `in.(a,b)`. */
  values: string[];
}

/** A binding of a joined channel, with the id its join reply gave it. */
export interface PostgresBinding {
  id: number;
  event: '*' | ChangeType;
  schema: string;
  table: string | undefined;
  /** undefined: no filter; null: a filter that did not parse (the binding matches nothing). */
  filter: Filter | undefined | null;
}

const FILTER = /^([A-Za-z_][A-Za-z0-9_]*)=(eq|neq|lt|lte|gt|gte|in)\.(.*)$/s;

/** Parses Supabase's `column=op.value` filter; `in` takes `(a,b,c)`. Null when it does not parse. */
export function parseFilter(text: string): Filter | null {
  const match = FILTER.exec(text);
  if (!match) return null;
  const [, column, op, raw] = match as unknown as [string, string, FilterOp, string];
  if (op !== 'in') return { column, op, values: [raw] };
  const list = /^\((.*)\)$/s.exec(raw);
  if (!list) return null;
  const values = list[1]!.split(',').map((value) => value.trim().replace(/^"(.*)"$/s, '$1'));
  return { column, op, values };
}

/** The binding a join asked for, or undefined when it is not one (it is echoed and never matches). */
export function toBinding(raw: unknown, id: number): PostgresBinding | undefined {
  if (!isRecord(raw)) return undefined;
  const event = typeof raw.event === 'string' ? raw.event.toUpperCase() : '';
  if (event !== '*' && event !== 'INSERT' && event !== 'UPDATE' && event !== 'DELETE')
    return undefined;
  const schema = typeof raw.schema === 'string' ? raw.schema : '';
  if (schema === '') return undefined;
  const table = typeof raw.table === 'string' && raw.table !== '' ? raw.table : undefined;
  const filter =
    typeof raw.filter === 'string' && raw.filter !== '' ? parseFilter(raw.filter) : undefined;
  return { id, event, schema, table, filter };
}

function compare(actual: unknown, expected: string): number | null {
  if (actual === null || actual === undefined) return null;
  const text = typeof actual === 'string' ? actual : JSON.stringify(actual);
  const a = Number(text);
  const b = Number(expected);
  if (text.trim() !== '' && expected.trim() !== '' && Number.isFinite(a) && Number.isFinite(b))
    return a === b ? 0 : a < b ? -1 : 1;
  return text === expected ? 0 : text < expected ? -1 : 1;
}

function filterMatches(filter: Filter, record: Record<string, unknown>): boolean {
  if (!(filter.column in record)) return false;
  const actual = record[filter.column];
  if (filter.op === 'in') return filter.values.some((value) => compare(actual, value) === 0);
  const order = compare(actual, filter.values[0]!);
  if (order === null) return false;
  switch (filter.op) {
    case 'eq':
      return order === 0;
    case 'neq':
      return order !== 0;
    case 'lt':
      return order < 0;
    case 'lte':
      return order <= 0;
    case 'gt':
      return order > 0;
    case 'gte':
      return order >= 0;
  }
}

/**
 * Whether `binding` asks for `change`. As on Supabase, `schema: '*'` or no `table` covers every
 * table, and a DELETE is never filtered (its old record has the key only).
 */
export function bindingMatches(binding: PostgresBinding, change: RowChange): boolean {
  if (binding.event !== '*' && binding.event !== change.type) return false;
  if (binding.schema !== '*' && binding.schema !== 'public') return false;
  if (binding.table !== undefined && binding.table !== '*' && binding.table !== change.table)
    return false;
  if (binding.filter === null) return false;
  if (binding.filter === undefined || change.type === 'DELETE') return true;
  return filterMatches(binding.filter, change.record);
}

/**
 * Whether a token may read the changed row, as the RLS select policies of
 * supabase/migrations/20261202100100_add_conversation_policies.sql say on Supabase: the service
 * role and an admin every row; any token its `room` claim's rows; an operator also the rows of
 * that room's conversations (`parent_id`).
 */
export function mayReadChange(claims: VerifiedClaims, change: RowChange): boolean {
  if (isServiceRole(claims)) return true;
  const role = roleOf(claims);
  if (role === 'admin') return true;
  const room = typeof claims.room === 'string' && claims.room !== '' ? claims.room : null;
  if (room === null) return false;
  if (change.roomId === room) return true;
  return role === 'operator' && change.parentId === room;
}

/** The `postgres_changes` event payload Supabase Realtime sends (realtime-js reads `data.type`). */
export function changePayload(ids: number[], change: RowChange): Record<string, unknown> {
  return {
    ids,
    data: {
      schema: 'public',
      table: change.table,
      commit_timestamp: change.commitTimestamp,
      type: change.type,
      ...(change.type === 'DELETE' ? {} : { record: change.record }),
      ...(change.type === 'INSERT' ? {} : { old_record: change.oldRecord }),
      columns: change.columns,
      errors: null,
    },
  };
}
