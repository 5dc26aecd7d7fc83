/**
 * The two servers the fan-out benchmark compares, runnable in-process or as a child process
 * (`tsx bench/lib/fanout-server.ts hub|bare`, driven over IPC by bench/hub-fanout.ts):
 *
 * - `hub`: the embedded Realtime hub, wired as the tests wire it (test/helpers/hub.ts), default limits.
 * - `bare`: the least a broadcast server can do: a `ws` WebSocketServer that relays every message
 *   it receives to every other client with `client.send`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { startTestHub } from '../../test/helpers/hub.ts';

export type ServerKind = 'hub' | 'bare';

export interface ServerUsage {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** process.cpuUsage() user + system, in microseconds. */
  cpuMicros: number;
  /** performance.now() when sampled, to turn CPU time into a share of one core. */
  at: number;
  /** Cumulative event-loop utilization inputs (performance.eventLoopUtilization()). */
  idle: number;
  active: number;
  connections: number;
}

export interface FanoutServer {
  kind: ServerKind;
  /** Where subscribers connect (vsn 2; for the hub with the anon key). */
  subscriberUrl: string;
  /** Where publishers connect (for the hub with the service-role key, exempt from rate limits). */
  publisherUrl: string;
  /** For the hub: the widget token that may read the private `room:bench` channel. */
  roomToken: string;
  usage(collectGarbage: boolean): Promise<ServerUsage>;
  close(): Promise<void>;
}

export const BENCH_ROOM = 'bench';

function sampleUsage(connections: number, collectGarbage: boolean): ServerUsage {
  if (collectGarbage) {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run the server with --expose-gc to measure memory');
    gc();
    gc();
  }
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    cpuMicros: cpu.user + cpu.system,
    at: performance.now(),
    idle: loop.idle,
    active: loop.active,
    connections,
  };
}

export async function startFanoutServer(kind: ServerKind): Promise<FanoutServer> {
  if (kind === 'hub') {
    const testHub = await startTestHub({ log: () => {} });
    return {
      kind,
      subscriberUrl: testHub.socketUrl('2.0.0'),
      publisherUrl: testHub.socketUrl('2.0.0', testHub.serviceKey),
      roomToken: testHub.roomToken(BENCH_ROOM),
      usage: async (collectGarbage) => sampleUsage(testHub.hub.stats().connections, collectGarbage),
      close: () => testHub.close(),
    };
  }
  const server = http.createServer((_request, response) => response.writeHead(404).end());
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      for (const client of wss.clients) {
        if (client !== ws && client.readyState === client.OPEN)
          client.send(data, { binary: isBinary });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    kind,
    subscriberUrl: url,
    publisherUrl: url,
    roomToken: '',
    usage: async (collectGarbage) => sampleUsage(wss.clients.size, collectGarbage),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Child-process protocol: parent sends `{id, command}`, child answers `{id, result}`. */
export type ServerCommand = { command: 'usage'; collectGarbage: boolean } | { command: 'exit' };
export type ServerRequest = ServerCommand & { id: number };
export type ServerMessage =
  | { type: 'ready'; subscriberUrl: string; publisherUrl: string; roomToken: string }
  | { type: 'reply'; id: number; result: unknown };

async function runChild(kind: ServerKind): Promise<void> {
  const send = (message: ServerMessage) => process.send?.(message);
  const server = await startFanoutServer(kind);
  process.on('message', (request: ServerRequest) => {
    if (request.command === 'usage') {
      void server
        .usage(request.collectGarbage)
        .then((result) => send({ type: 'reply', id: request.id, result }));
    } else {
      // Exit without waiting for sockets, so --cpu-prof writes its profile promptly.
      send({ type: 'reply', id: request.id, result: null });
      setImmediate(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({
    type: 'ready',
    subscriberUrl: server.subscriberUrl,
    publisherUrl: server.publisherUrl,
    roomToken: server.roomToken,
  });
}

const kindArgument = process.argv[2];
if (
  process.send &&
  (kindArgument === 'hub' || kindArgument === 'bare') &&
  process.argv[1]?.endsWith('fanout-server.ts')
) {
  void runChild(kindArgument);
}
