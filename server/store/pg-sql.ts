import pg from 'pg';
import type { QueryResult, Sql, SqlExecutor } from './sql.ts';

// Postgres `bigint` (int8) arrives as a string by default; positions and counters fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query<Row>(text: string, params: unknown[] = []): Promise<QueryResult<Row>> {
      const result = await client.query(text, params);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(script: string): Promise<void> {
      await client.query(script);
    },
  };
}

/** {@link Sql} over node-postgres: a pool on `DATABASE_URL` (any Postgres, Supabase's included). */
export class PgSql implements Sql {
  private readonly base: SqlExecutor;
  private readonly listeners = new Set<pg.Client>();

  constructor(
    readonly pool: pg.Pool,
    private readonly connectionString: string,
    /** Runs after the pool has ended (the embedded server stops its cluster there). */
    private readonly afterClose: () => Promise<void> = async () => {},
  ) {
    this.base = executor(pool);
    pool.on('error', () => {}); // an idle client's connection dropped; the pool replaces it
  }

  /** @example const sql = PgSql.connect(process.env.DATABASE_URL!); */
  static connect(
    connectionString: string,
    options: { max?: number; afterClose?: () => Promise<void> } = {},
  ): PgSql {
    return new PgSql(
      new pg.Pool({ connectionString, max: options.max ?? 10 }),
      connectionString,
      options.afterClose,
    );
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

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const result = await work(executor(client));
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** LISTEN on a dedicated connection (a pooled one would be handed to other queries). */
  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('error', () => {}); // surfaced by the next query; the orchestrator also polls for work
    await client.connect();
    client.on('notification', (notification) => {
      if (notification.channel === channel) onNotify(notification.payload ?? '');
    });
    await client.query(`listen ${pg.escapeIdentifier(channel)}`);
    this.listeners.add(client);
    return async () => {
      this.listeners.delete(client);
      await client.end().catch(() => {});
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners].map((client) => client.end().catch(() => {})));
    this.listeners.clear();
    await this.pool.end();
    await this.afterClose();
  }
}
