/**
 * The tiny SQL seam the store is written against, with two implementations: PGlite (embedded,
 * `pglite-sql.ts`) and node-postgres (`pg-sql.ts`). Parameters are `$1, $2…` in both.
 */
export interface QueryResult<Row> {
  rows: Row[];
  /** As node-postgres reports it: the rows a select returned, or the rows a write changed. */
  rowCount: number;
}

/** Something that runs statements: the database itself or an open transaction. */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface Sql extends SqlExecutor {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Calls `onNotify` for every NOTIFY on `channel`; resolves with a function that stops listening. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Readiness: true when the database runs a trivial query (`GET /readyz`). */
export async function databaseAnswers(sql: SqlExecutor): Promise<boolean> {
  return (await sql.query('select 1')).rowCount === 1;
}
