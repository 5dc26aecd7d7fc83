/**
 * The baseline the shipped `PGliteSql` is measured against: the same PGlite database, statements
 * handed straight to PGlite with no yield to the event loop (how the adapter worked before
 * bench/persistence showed that queued statements then run as one long block).
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { QueryResult, Sql, SqlExecutor } from '../../server/store/sql.ts';

function direct(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<Row>(text: string, params: unknown[] = []): Promise<QueryResult<Row>> {
      const result = await db.query<Row>(text, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(script: string): Promise<void> {
      await db.exec(script);
    },
  };
}

export class RawPGliteSql implements Sql {
  private readonly base: SqlExecutor;

  constructor(private readonly db: PGlite) {
    this.base = direct(db);
  }

  query<Row = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<QueryResult<Row>> {
    return this.base.query<Row>(text, params);
  }

  exec(script: string): Promise<void> {
    return this.base.exec(script);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(direct(tx)));
  }

  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    return this.db.listen(channel, onNotify);
  }

  async close(): Promise<void> {
    // the shipped adapter owns and closes the database
  }
}
