import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { QueryResult, Sql, SqlExecutor } from './sql.ts';

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs each statement after a turn of the event loop. PGlite executes a statement synchronously
 * in WASM and hands the next queued one over without returning to the loop, so a queue of
 * statements would otherwise run as one long block and stall every WebSocket (bench/persistence:
 * 500 queued inserts blocked the loop 219 ms; yielding bounds a stall to one statement, ~6 ms).
 */
function executor(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<Row>(text: string, params: unknown[] = []): Promise<QueryResult<Row>> {
      await yieldToEventLoop();
      const result = await db.query<Row>(text, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(script: string): Promise<void> {
      await yieldToEventLoop();
      await db.exec(script);
    },
  };
}

/** {@link Sql} over PGlite: Postgres in WASM, in a folder or in memory, on the main thread. */
export class PGliteSql implements Sql {
  private readonly base: SqlExecutor;
  /** Statements go in one at a time, so the yield before each one really separates them. */
  private queue: Promise<unknown> = Promise.resolve();

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
    return this.enqueue(() => this.base.query<Row>(text, params));
  }

  exec(script: string): Promise<void> {
    return this.enqueue(() => this.base.exec(script));
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      await yieldToEventLoop();
      return this.db.transaction((tx) => work(executor(tx)));
    });
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    return this.db.listen(channel, onNotify);
  }

  /** A dump of the whole database, to open copies with {@link PGliteSql.open}'s `loadDataDir`. */
  dump(): Promise<Blob> {
    return this.enqueue(() => this.db.dumpDataDir('none') as Promise<Blob>);
  }

  async close(): Promise<void> {
    await this.enqueue(() => this.db.close());
  }

  /** Runs `task` once everything queued before it has settled. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => {});
    return result;
  }
}
