import { PGlite, type Transaction } from '@electric-sql/pglite';
import { ensurePrivateFolder, restrictToOwner } from '../lib/private-folder.ts';
import type { QueryResult, Sql, SqlExecutor } from './sql.ts';

/** How often the data folder's modes are put right again while PGlite runs. */
const RESTRICT_INTERVAL_MS = 60_000;

/**
 * PGlite's memory settings (docs/decisions.md, "Memory, start-up and the production build"): Postgres'
 * default 128 MB of shared buffers are all touched inside the WASM heap at start-up, which made
 * most of the idle server's RSS (bench/footprint: 311 MB for PGlite alone, 158 MB with 16 MB).
 * A chat room's working set is far smaller; work_mem stays Postgres' default.
 */
export const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

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
      // `affectedRows` counts only writes (0 for a select); the command tag's count is what pg reports.
      return {
        rows: result.rows,
        rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length,
      };
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
  private readonly restrictTimer: NodeJS.Timeout | undefined;

  /** `dataDir`: the folder PGlite writes, kept owner-only (see {@link PGliteSql.open}). */
  constructor(
    readonly db: PGlite,
    private readonly dataDir?: string,
  ) {
    this.base = executor(db);
    if (dataDir !== undefined) {
      this.restrictTimer = setInterval(() => void this.restrictFolder(), RESTRICT_INTERVAL_MS);
      this.restrictTimer.unref();
    }
  }

  /**
   * Opens PGlite in `dataDir` (created with its parents when missing) or in memory when it is
   * undefined. `loadDataDir` starts from a dump (a migrated template), which is much faster than
   * migrating.
   *
   * The folder is kept owner-only: folders 700, files 600. PGlite writes the files of a new
   * database 666 whatever the umask, and rewrites some (its relation cache) with the umask's
   * mode, so the modes are put right after it opens, every minute while it runs, and when it
   * closes; the folder being 700 keeps others out in between.
   * @example const sql = await PGliteSql.open('./.chorus/pgdata');
   */
  static async open(dataDir?: string, options: { loadDataDir?: Blob } = {}): Promise<PGliteSql> {
    if (dataDir !== undefined) await ensurePrivateFolder(dataDir);
    const db = await PGlite.create(dataDir, {
      startParams: PGLITE_START_PARAMS,
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
    const sql = new PGliteSql(db, dataDir);
    await sql.restrictFolder();
    return sql;
  }

  query<Row = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<QueryResult<Row>> {
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
    clearInterval(this.restrictTimer);
    await this.enqueue(() => this.db.close());
    await this.restrictFolder();
  }

  /** Puts the data folder's modes right; best effort, as a failure is retried at the next sweep. */
  private async restrictFolder(): Promise<void> {
    if (this.dataDir !== undefined) await restrictToOwner(this.dataDir).catch(() => {});
  }

  /** Runs `task` once everything queued before it has settled. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => {});
    return result;
  }
}
