import { startServer, type RunningServer, type StartOptions } from '../../server/start-server.ts';
import type { Sql } from '../../server/store/sql.ts';
import { openTestPGlite } from './databases.ts';
import { throwawayConfig } from './throwaway-config.ts';

export interface TestChorusServer extends RunningServer {
  /** Every SQL statement the store ran, for asserting on write patterns. */
  statements: Array<{ text: string; params: unknown[] }>;
}

/** Records every statement, then runs it: how tests count writes per reply. */
function recording(sql: Sql, statements: TestChorusServer['statements']): Sql {
  const wrapExecutor = <T extends Pick<Sql, 'query' | 'exec'>>(executor: T): T => {
    const wrapped = Object.create(executor) as T;
    wrapped.query = ((text: string, params: unknown[] = []) => {
      statements.push({ text, params });
      return executor.query(text, params);
    }) as T['query'];
    return wrapped;
  };
  const wrapped = wrapExecutor(sql);
  wrapped.transaction = (work) => sql.transaction((tx) => work(wrapExecutor(tx)));
  return wrapped;
}

/**
 * The whole Chorus server on port 0: in-memory PGlite (from the run's template), the hub, the
 * shipped personas, and — when `modelFor` is given — fake or scripted models instead of real ones.
 */
export async function startChorusServer(
  options: { env?: Record<string, string>; modelFor?: StartOptions['modelFor'] } = {},
): Promise<TestChorusServer> {
  const { config, removeDataDir } = await throwawayConfig(options.env);
  const statements: TestChorusServer['statements'] = [];
  const server = await startServer(config, {
    sql: recording(await openTestPGlite(), statements),
    ...(options.modelFor ? { modelFor: options.modelFor } : {}),
  });
  return {
    ...server,
    statements,
    async close() {
      await server.close();
      await removeDataDir();
    },
  };
}
