// `GET /rest/v1/messages`: the read of PostgREST that supabase-js's `from('messages').select()`
// makes, so a dashboard written for Supabase loads its first rows from Chorus as it would from a
// Supabase project (docs/architecture.md §9). Reads only, of `messages` only; `select`, the
// filter operators the change feed knows, `order`, `limit`, `offset` and `.single()`. Errors are
// PostgREST's `{code, message, details, hint}`, which supabase-js hands to the caller.
import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { TokenError, verifyAccessToken, type AccessGrant } from '../../auth/tokens.ts';
import { parseFilter } from '../../realtime/hub/postgres-changes.ts';
import type { SqlExecutor } from '../../store/sql.ts';
import {
  messageColumns,
  readMessageRows,
  RowValueError,
  type RowFilter,
  type RowOrder,
  type RowScope,
} from '../../store/table-rows.ts';

export const POSTGREST_PATH = '/rest/v1';
const TABLE = 'messages';
const MAX_ROWS = 1000;
const SINGLE_OBJECT = 'application/vnd.pgrst.object+json';
const RESERVED = new Set(['select', 'order', 'limit', 'offset']);

/** A refusal in PostgREST's shape; `code` is PostgREST's own where it has one. */
class PostgrestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string | null = null,
  ) {
    super(message);
  }
}

function scopeOf(grant: AccessGrant): RowScope {
  if (grant.kind === 'service' || grant.role === 'admin') return { kind: 'all' };
  return {
    kind: 'room',
    roomId: grant.roomId,
    withConversations: grant.role === 'operator',
  };
}

function grantOf(authorization: string | undefined, jwtSecret: string, nowMs: number) {
  const token = /^Bearer[ ]+([^\s]+)\s*$/i.exec(authorization ?? '')?.[1];
  const hint = 'Pass the room token from POST /api/session as the access token';
  if (token === undefined) throw new PostgrestError(401, 'PGRST301', 'No bearer token', hint);
  try {
    return verifyAccessToken(token, jwtSecret, { nowMs });
  } catch (error) {
    if (error instanceof TokenError) throw new PostgrestError(401, 'PGRST301', error.message, hint);
    throw error;
  }
}

function columnOf(name: string, columns: readonly string[]): string {
  if (!columns.includes(name))
    throw new PostgrestError(
      400,
      '42703',
      `column ${TABLE}.${name.slice(0, 100)} does not exist`,
      `The columns are ${columns.join(', ')}`,
    );
  return name;
}

function parseOrder(text: string, columns: readonly string[]): RowOrder[] {
  return text.split(',').map((term) => {
    const [column = '', ...modifiers] = term.trim().split('.');
    const ascending = !modifiers.includes('desc');
    return {
      column: columnOf(column, columns),
      ascending,
      nullsFirst:
        modifiers.includes('nullsfirst') || (!ascending && !modifiers.includes('nullslast')),
    };
  });
}

function parseCount(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const count = typeof value === 'string' && /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(count))
    throw new PostgrestError(400, 'PGRST103', `"${name}" must be a whole number`);
  return count;
}

function parseSelect(value: unknown, columns: readonly string[]): string[] | null {
  if (value === undefined || value === '*') return null;
  if (typeof value !== 'string')
    throw new PostgrestError(400, 'PGRST100', '"select" must be a list of columns');
  const names = value.split(',').map((name) => name.trim());
  return names.includes('*') ? null : names.map((name) => columnOf(name, columns));
}

function pick(row: Record<string, unknown>, names: string[] | null) {
  return names === null ? row : Object.fromEntries(names.map((name) => [name, row[name]]));
}

/** The PostgREST read of `messages`; answers CORS preflights itself (supabase-js sends `apikey`…). */
export function postgrestRoutes(options: {
  sql: SqlExecutor;
  jwtSecret: string;
  now: () => number;
}): Router {
  const router = Router();
  let columns: Promise<string[]> | undefined;

  const otherTable: RequestHandler = (request) => {
    const table = request.path.split('/')[1] ?? '';
    if (table === TABLE)
      throw new PostgrestError(
        405,
        'PGRST105',
        `Chorus serves reads of "${TABLE}" only`,
        'Post through POST /api/rooms/{room}/messages',
      );
    throw new PostgrestError(
      404,
      'PGRST205',
      `Could not find the table 'public.${table.slice(0, 100)}'`,
      `Chorus serves reads of "${TABLE}" only`,
    );
  };

  const read: RequestHandler = async (request, response) => {
    const scope = scopeOf(grantOf(request.get('authorization'), options.jwtSecret, options.now()));
    // Read once; a failed read is tried again by the next request.
    columns ??= messageColumns(options.sql).catch((error: unknown) => {
      columns = undefined;
      throw error;
    });
    const known = await columns;
    const filters: RowFilter[] = [];
    for (const [name, value] of Object.entries(request.query)) {
      if (RESERVED.has(name)) continue;
      for (const one of Array.isArray(value) ? value : [value]) {
        const filter = typeof one === 'string' ? parseFilter(`${name}=${one}`) : null;
        if (!filter)
          throw new PostgrestError(
            400,
            'PGRST100',
            `"${name.slice(0, 100)}" is not a filter Chorus reads`,
            'Use column=op.value with eq, neq, lt, lte, gt, gte or in.(a,b)',
          );
        filters.push({ ...filter, column: columnOf(filter.column, known) });
      }
    }
    const order =
      typeof request.query.order === 'string' ? parseOrder(request.query.order, known) : [];
    const names = parseSelect(request.query.select, known);
    const rows = await readMessageRows(options.sql, {
      scope,
      filters,
      order,
      limit: Math.min(parseCount(request.query.limit, 'limit', MAX_ROWS), MAX_ROWS),
      offset: parseCount(request.query.offset, 'offset', 0),
    }).catch((error: unknown) => {
      if (error instanceof RowValueError) throw new PostgrestError(400, '22P02', error.message);
      throw error;
    });
    response.set('cache-control', 'no-store');
    if (request.get('accept')?.includes(SINGLE_OBJECT)) {
      if (rows.length !== 1)
        throw new PostgrestError(
          406,
          'PGRST116',
          'JSON object requested, multiple (or no) rows returned',
          `The result contains ${rows.length} rows`,
        );
      response.type(SINGLE_OBJECT).send(JSON.stringify(pick(rows[0]!, names)));
      return;
    }
    response.json(rows.map((row) => pick(row, names)));
  };

  const errors: ErrorRequestHandler = (error: unknown, _request, response, next) => {
    if (!(error instanceof PostgrestError)) {
      next(error);
      return;
    }
    if (error.status === 401) response.set('WWW-Authenticate', 'Bearer realm="chorus"');
    response
      .status(error.status)
      .json({ code: error.code, message: error.message, details: null, hint: error.hint });
  };

  router.get(`${POSTGREST_PATH}/${TABLE}`, read);
  router.use(POSTGREST_PATH, otherTable, errors);
  return router;
}
