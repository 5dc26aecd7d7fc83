/**
 * A Chorus server as `npm start` runs it (PGlite in a data folder, offline personas), without the
 * widget build, with rooms `crash-1`… where every agent answers: the process `bench/crash-recovery.ts`
 * kills with SIGKILL. Prints `ready <url>`.
 */
import { loadConfig } from '../../server/config.ts';
import { OfflineChatModel } from '../../server/providers/index.ts';
import { startChorus } from '../../server/start-server.ts';

// Replies of about a second, so a backlog after five crashes drains within the benchmark's wait.
const model = new OfflineChatModel({ tokensPerSecond: 150 });
const server = await startChorus(loadConfig(process.env), { modelFor: () => model });
const rooms = Number(process.env.CRASH_ROOMS ?? 4);
for (let index = 1; index <= rooms; index += 1)
  await server.store.rooms.ensureRoom({
    id: `crash-${index}`,
    title: `Crash ${index}`,
    settings: { policy: 'all' },
  });
process.stdout.write(`ready ${server.url}\n`);
