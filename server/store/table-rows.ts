// Rows of `messages` as Postgres gives them (`to_jsonb`), read with Supabase's filter operators:
// what `GET /rest/v1/messages` answers (docs/architecture.md §9), in the shape the change feed
// sends with each change, so a dashboard's first load and its live updates are the same rows.
import type { SqlExecutor } from './sql.ts';

export type RowFilterOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';

export interface RowFilter {
  column: string;
  op: RowFilterOp;
  /** One value, or the list of `in`. */
  values: string[];
}

export interface RowOrder {
  column: string;
  ascending: boolean;
  nullsFirst: boolean;
}

/** Whose rows a reader sees, as the RLS select policies say (docs/architecture.md §8). */
export type RowScope =
  { kind: 'all' } | { kind: 'room'; roomId: string; withConversations: boolean };

export interface RowQuery {
  scope: RowScope;
  filters: RowFilter[];
  order: RowOrder[];
  limit: number;
  offset: number;
}

/**
 * A `messages` row (alias `m`) as readers get it, here and in the change feed: every column but
 * the search index's vector.
 */
export const MESSAGE_ROW_JSON = "to_jsonb(m) - 'search'";

/** A value that does not fit its column (`id=eq.7` on a uuid): the reader's mistake, not ours. */
export class RowValueError extends Error {}

const OPERATOR: Record<Exclude<RowFilterOp, 'in'>, string> = {
  eq: '=',
  neq: '<>',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
};

/** Postgres's "invalid text representation" family (22P02, 22007, 22008…): a value of the wrong type. */
const isBadValue = (error: unknown) =>
  typeof (error as { code?: unknown }).code === 'string' &&
  (error as { code: string }).code.startsWith('22');

/** The readable columns of `messages`, in table order (the `search` vector is the index's, not a column to read). */
export async function messageColumns(sql: SqlExecutor): Promise<string[]> {
  const result = await sql.query<{ column_name: string }>(
    `select column_name from information_schema.columns
      where table_schema = current_schema() and table_name = 'messages' and column_name <> 'search'
      order by ordinal_position`,
  );
  return result.rows.map((row) => row.column_name);
}

/**
 * The `messages` rows a reader may see that match every filter, in `order` (then by position).
 * Column names must be ones {@link messageColumns} listed: they are written into the statement.
 */
export async function readMessageRows(
  sql: SqlExecutor,
  query: RowQuery,
): Promise<Array<Record<string, unknown>>> {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where: string[] = [];
  if (query.scope.kind === 'room') {
    const room = param(query.scope.roomId);
    where.push(
      query.scope.withConversations
        ? `(m.room_id = ${room} or r.parent_id = ${room})`
        : `m.room_id = ${room}`,
    );
  }
  for (const filter of query.filters) {
    const column = `m.${filter.column}`;
    where.push(
      filter.op === 'in'
        ? `${column}::text = any(${param(filter.values)}::text[])`
        : `${column} ${OPERATOR[filter.op]} ${param(filter.values[0])}`,
    );
  }
  const order = [
    ...query.order.map(
      (by) =>
        `m.${by.column} ${by.ascending ? 'asc' : 'desc'} nulls ${by.nullsFirst ? 'first' : 'last'}`,
    ),
    'm.position asc',
  ];
  const text = `select ${MESSAGE_ROW_JSON} as record from messages m join rooms r on r.id = m.room_id
    ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
    order by ${order.join(', ')} limit ${param(query.limit)} offset ${param(query.offset)}`;
  try {
    const result = await sql.query<{ record: Record<string, unknown> }>(text, params);
    return result.rows.map((row) => row.record);
  } catch (error) {
    if (isBadValue(error)) throw new RowValueError((error as Error).message, { cause: error });
    throw error;
  }
}
