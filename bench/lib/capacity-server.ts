/**
 * The servers the capacity benchmark measures, each in its own process so that its CPU and RSS
 * are its own (bench/capacity.ts forks `tsx bench/lib/capacity-server.ts chorus|relay` and
 * drives it over IPC):
 *
 * - `chorus`: the whole Chorus server (bench/lib/chorus-bench-server.ts), every persona talking
 *   through the real OpenAI adapter to the fake at `CAPACITY_FAKE_URL`, coalescing with
 *   `CHORUS_COALESCE_MS`, and no cap on replies per process below the load; on the Postgres at
 *   `CAPACITY_DATABASE_URL` (the embedded server `npm start` runs), or on PGlite in memory, in
 *   this process, without it.
 * - `relay`: the least a room relay can do: a `ws` server where a text frame sent on `/<room>`
 *   goes to every other socket on `/<room>` (no auth, no storage, no protocol).
 */
import { OpenAIChatModel } from '../../server/providers/openai/openai-chat-model.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';
import { startServer } from '../../server/start-server.ts';
import { migrate } from '../../server/store/migrate.ts';
import { PgSql } from '../../server/store/pg-sql.ts';
import { throwawayConfig } from '../../test/helpers/throwaway-config.ts';
import { startBenchServer } from './chorus-bench-server.ts';

export type CapacityServerKind = 'chorus' | 'relay';

export interface CapacityUsage {
  rss: number;
  heapUsed: number;
  /** process.cpuUsage() user + system, microseconds. */
  cpuMicros: number;
  /** performance.now() of the sample. */
  at: number;
  idle: number;
  active: number;
}

export type CapacityCommand =
  { command: 'usage' } | { command: 'rooms'; ids: string[] } | { command: 'exit' };
export type CapacityMessage =
  { type: 'ready'; url: string } | { type: 'reply'; id: number; result: unknown };

function usage(): CapacityUsage {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    cpuMicros: cpu.user + cpu.system,
    at: performance.now(),
    idle: loop.idle,
    active: loop.active,
  };
}

async function startRelay(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_request, response) => response.writeHead(404).end());
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const rooms = new Map<string, Set<WebSocket>>();
  wss.on('connection', (ws, request) => {
    const room = request.url ?? '/';
    const members = rooms.get(room) ?? new Set<WebSocket>();
    rooms.set(room, members);
    members.add(ws);
    ws.on('error', () => {});
    ws.on('close', () => members.delete(ws));
    ws.on('message', (data, isBinary) => {
      for (const member of members)
        if (member !== ws && member.readyState === member.OPEN)
          member.send(data, { binary: isBinary });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function runChild(kind: CapacityServerKind): Promise<void> {
  const send = (message: CapacityMessage) => process.send?.(message);
  let url: string;
  let ensureRooms: (ids: string[]) => Promise<void> = async () => {};
  let close: () => Promise<void>;
  if (kind === 'chorus') {
    const fakeUrl = process.env.CAPACITY_FAKE_URL!;
    const env = {
      CHORUS_COALESCE_MS: process.env.CHORUS_COALESCE_MS ?? '40',
      CHORUS_MAX_CONCURRENT_REPLIES: '10000',
      // One machine plays every visitor: the per-IP and per-minute limits would refuse them.
      CHORUS_LIMIT_SESSIONS_PER_MINUTE: '1000000',
      CHORUS_LIMIT_MESSAGES_PER_IP_PER_MINUTE: '1000000',
      CHORUS_LIMIT_REQUESTS_PER_MINUTE: '1000000',
      CHORUS_LIMIT_JOINS_PER_SECOND: '1000000',
      CHORUS_LOG_LEVEL: 'error',
    };
    // One model per persona, made once, as the server makes its own (start-server.ts).
    const models = new Map<string, OpenAIChatModel>();
    const modelFor = ({ handle }: { handle: string }) => {
      let model = models.get(handle);
      if (!model) {
        model = new OpenAIChatModel({ apiKey: 'bench-key', baseURL: `${fakeUrl}/${handle}/v1` });
        models.set(handle, model);
      }
      return model;
    };
    const databaseUrl = process.env.CAPACITY_DATABASE_URL;
    let server: Awaited<ReturnType<typeof startBenchServer>>;
    if (databaseUrl) {
      const { config, removeDataDir } = await throwawayConfig(env);
      const sql = PgSql.connect(databaseUrl);
      await migrate(sql);
      const running = await startServer(config, { sql, modelFor });
      server = {
        ...running,
        async close() {
          await running.close();
          await removeDataDir();
        },
      };
    } else server = await startBenchServer({ env, modelFor });
    url = server.url;
    close = () => server.close();
    ensureRooms = async (ids) => {
      for (const id of ids)
        await server.store.rooms.ensureRoom({ id, title: id, settings: { policy: 'all' } });
    };
  } else {
    const relay = await startRelay();
    url = relay.url;
    close = () => relay.close();
  }
  process.on('message', (request: CapacityCommand & { id: number }) => {
    const answer = (result: unknown) => send({ type: 'reply', id: request.id, result });
    if (request.command === 'usage') answer(usage());
    else if (request.command === 'rooms') void ensureRooms(request.ids).then(() => answer(null));
    else {
      // Closed (its data folder removed), or given up on after 5 s.
      setTimeout(() => process.exit(0), 5000).unref();
      void close()
        .catch(() => {})
        .finally(() => {
          answer(null);
          setImmediate(() => process.exit(0));
        });
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url });
}

const kindArgument = process.argv[2];
if (
  process.send &&
  (kindArgument === 'chorus' || kindArgument === 'relay') &&
  process.argv[1]?.endsWith('capacity-server.ts')
)
  void runChild(kindArgument);
