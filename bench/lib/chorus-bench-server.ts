/**
 * The whole Chorus server in this process for a benchmark, as `test/helpers/chorus-server.ts`
 * starts it for tests, but without vitest: an in-memory PGlite opened and migrated here (the test
 * helper loads a template through vitest's `inject`), the shipped personas, the hub, the
 * orchestrator and the HTTP API on 127.0.0.1, port 0.
 *
 * @example
 * const server = await startBenchServer({ env: { CHORUS_COALESCE_MS: '40' }, modelFor: () => model });
 * await server.store.rooms.ensureRoom({ id: 'bench', title: 'bench', settings: { policy: 'all' } });
 * // … server.url, server.hub
 * await server.close();
 */
import { startServer, type RunningServer, type StartOptions } from '../../server/start-server.ts';
import { migrate } from '../../server/store/migrate.ts';
import { PGliteSql } from '../../server/store/pglite-sql.ts';
import { throwawayConfig } from '../../test/helpers/throwaway-config.ts';

export async function startBenchServer(
  options: { env?: Record<string, string>; modelFor?: StartOptions['modelFor'] } = {},
): Promise<RunningServer> {
  const { config, removeDataDir } = await throwawayConfig(options.env);
  const sql = await PGliteSql.open();
  await migrate(sql);
  const server = await startServer(config, {
    sql,
    ...(options.modelFor ? { modelFor: options.modelFor } : {}),
  });
  return {
    ...server,
    async close() {
      await server.close();
      await removeDataDir();
    },
  };
}
