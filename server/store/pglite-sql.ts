import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { QueryResult, Sql, SqlExecutor } from './sql.ts';

function executor(db: PGlite | Transaction): SqlExecutor {
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

/** {@link Sql} over PGlite: Postgres in WASM, in a folder or in memory. */
export class PGliteSql implements Sql {
  private readonly base: SqlExecutor;

  constructor(readonly db: PGlite) {
    this.base = executor(db);
  }

  /**
   * Opens PGlite in `dataDir` (created when missing) or in memory when it is undefined.
   * `loadDataDir` starts from a dump (a migrated template), which is much faster than migrating.
   * @example const sql = await PGliteSql.open('./.chorus/pgdata');
   */
  static async open(dataDir?: string, options: { loadDataDir?: Blob } = {}): Promise<PGliteSql> {
    const db = await PGlite.create(dataDir, options.loadDataDir ? { loadDataDir: options.loadDataDir } : {});
    return new PGliteSql(db);
  }

  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<Row>> {
    return this.base.query<Row>(text, params);
  }

  exec(script: string): Promise<void> {
    return this.base.exec(script);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(executor(tx)));
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    return this.db.listen(channel, onNotify);
  }

  /** A dump of the whole database, to open copies with {@link PGliteSql.open}'s `loadDataDir`. */
  dump(): Promise<Blob> {
    return this.db.dumpDataDir('none') as Promise<Blob>;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
