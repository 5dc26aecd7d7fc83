/**
 * A bench prototype, not the server's adapter: the {@link Sql} seam over PGlite running in a
 * `worker_threads` worker, so the WASM Postgres executes off the main thread and the event loop
 * only pays for posting statements and cloning rows. Transactions hold a main-side lock while
 * their statements are posted (the worker runs statements strictly in arrival order); LISTEN is
 * not supported.
 *
 * @example
 * const sql = await WorkerPGliteSql.open('/tmp/pgdata');
 * await migrate(sql);
 */
import { Worker } from 'node:worker_threads';
import type { QueryResult, Sql, SqlExecutor } from '../../server/store/sql.ts';
import type { WorkerReply, WorkerRequest } from './pglite-worker-thread.ts';

const THREAD_ENTRY = new URL('./pglite-worker-thread.ts', import.meta.url).href;
/** tsx's loader is not inherited by workers on Node 20: the worker imports the entry through tsx's API. */
const TSX_API = import.meta.resolve('tsx/esm/api');

class WorkerError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'WorkerPGliteError';
  }
}

export class WorkerPGliteSql implements Sql {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }
  >();
  /** FIFO lock: a transaction holds it from `begin` to `commit`; plain statements take it only to post. */
  private lock: Promise<void> = Promise.resolve();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      waiter.resolve(reply);
    });
    worker.on('error', (error) => {
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
  }

  /** Starts the worker and opens PGlite in `dataDir` (in memory when undefined). */
  static async open(dataDir?: string): Promise<WorkerPGliteSql> {
    const bootstrap = `import(${JSON.stringify(TSX_API)}).then(({ tsImport }) => tsImport(${JSON.stringify(THREAD_ENTRY)}, ${JSON.stringify(import.meta.url)}))`;
    const worker = new Worker(bootstrap, { eval: true, workerData: { dataDir } });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (reply: WorkerReply) => {
        if (reply.id !== -1) return;
        worker.off('message', onMessage);
        if (reply.ok) resolve();
        else reject(new WorkerError(reply.message));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return new WorkerPGliteSql(worker);
  }

  private post(op: WorkerRequest['op'], text?: string, params?: unknown[]): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, text, params } satisfies WorkerRequest);
    });
  }

  private async run<Row>(
    op: 'query' | 'exec',
    text: string,
    params?: unknown[],
  ): Promise<QueryResult<Row>> {
    const reply = await this.post(op, text, params);
    if (!reply.ok) throw new WorkerError(reply.message, 'code' in reply ? reply.code : undefined);
    if (!('rows' in reply)) throw new WorkerError('unexpected reply');
    return { rows: reply.rows as Row[], rowCount: reply.rowCount };
  }

  /** Waits for the lock, then returns its release. */
  private async acquire(): Promise<() => void> {
    let release!: () => void;
    const previous = this.lock;
    this.lock = new Promise((resolve) => (release = resolve));
    await previous;
    return release;
  }

  private direct: SqlExecutor = {
    query: <Row>(text: string, params?: unknown[]) => this.run<Row>('query', text, params ?? []),
    exec: async (script: string) => {
      await this.run('exec', script);
    },
  };

  async query<Row = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<QueryResult<Row>> {
    const release = await this.acquire();
    const result = this.direct.query<Row>(text, params); // posted now, in order; the worker pipelines
    release();
    return result;
  }

  async exec(script: string): Promise<void> {
    const release = await this.acquire();
    const result = this.direct.exec(script);
    release();
    return result;
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      await this.direct.exec('begin');
      try {
        const result = await work(this.direct);
        await this.direct.exec('commit');
        return result;
      } catch (error) {
        await this.direct.exec('rollback').catch(() => {});
        throw error;
      }
    } finally {
      release();
    }
  }

  async listen(): Promise<() => Promise<void>> {
    throw new WorkerError('LISTEN is not supported by the bench prototype');
  }

  async close(): Promise<void> {
    await this.post('close').catch(() => {});
    await this.worker.terminate();
  }
}
