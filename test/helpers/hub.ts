import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signJwt, type JwtClaims } from '../../server/auth/jwt.ts';
import { createApiKeys } from '../../server/auth/keys.ts';
import { RealtimeHub, type HubOptions } from '../../server/realtime/hub/hub.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-chorus-0123456789';

export interface TestHub {
  hub: RealtimeHub;
  server: http.Server;
  /** `http://127.0.0.1:<port>` */
  httpUrl: string;
  /** The realtime-js endpoint, `ws://127.0.0.1:<port>/realtime/v1`. */
  realtimeUrl: string;
  /** A raw socket URL for `vsn` with `apikey` (the anon key unless given). */
  socketUrl(vsn: '1.0.0' | '2.0.0', apikey?: string): string;
  anonKey: string;
  serviceKey: string;
  /** A signed token; `exp` defaults to an hour from now. */
  token(claims: JwtClaims, secret?: string): string;
  /** A widget's room token: `role: authenticated`, `room`, `sub`, `name`. */
  roomToken(room: string, extra?: JwtClaims): string;
  close(): Promise<void>;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A real HTTP server on port 0 with the hub attached (REST endpoints included). */
export async function startTestHub(options: Partial<HubOptions> = {}): Promise<TestHub> {
  const hub = new RealtimeHub({ jwtSecret: TEST_JWT_SECRET, ...options });
  const server = http.createServer((request, response) => {
    if (!hub.handleRequest(request, response)) {
      response.writeHead(404).end();
    }
  });
  hub.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const { anonKey, serviceKey } = createApiKeys(TEST_JWT_SECRET);
  const token = (claims: JwtClaims, secret = TEST_JWT_SECRET) =>
    signJwt({ exp: nowSeconds() + 3600, ...claims }, secret);
  return {
    hub,
    server,
    httpUrl: `http://127.0.0.1:${port}`,
    realtimeUrl: `ws://127.0.0.1:${port}/realtime/v1`,
    socketUrl: (vsn, apikey = anonKey) =>
      `ws://127.0.0.1:${port}/realtime/v1/websocket?apikey=${encodeURIComponent(apikey)}&vsn=${vsn}`,
    anonKey,
    serviceKey,
    token,
    roomToken: (room, extra = {}) =>
      token({ role: 'authenticated', sub: `user-${room}`, room, name: 'Tester', ...extra }),
    async close() {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
