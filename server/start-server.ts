import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiKeys, resolveJwtSecret, type ApiKeys } from './auth/keys.ts';
import type { Config } from './config.ts';
import { createApp } from './http/create-app.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { RealtimeHub } from './realtime/hub/hub.ts';

export interface RunningServer {
  /** `http://host:port` as clients reach it. */
  url: string;
  /** The realtime-js endpoint (`<url>/realtime/v1`). */
  realtimeUrl: string;
  keys: ApiKeys;
  jwtSecret: string;
  hub: RealtimeHub;
  close(): Promise<void>;
}

/**
 * Builds every adapter from `config` and starts listening: the composition root's work,
 * importable by tests (port 0) as well as run by `main.ts`.
 */
export async function startServer(config: Config, log: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const jwtSecret = await resolveJwtSecret(config.jwtSecret, config.dataDir);
  const hub = new RealtimeHub({ jwtSecret, limits: config.hubLimits, log });
  const app = createApp({ log });
  const server = http.createServer((request, response) => {
    if (!hub.handleRequest(request, response)) app(request, response);
  });
  hub.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    realtimeUrl: `${url}/realtime/v1`,
    keys: createApiKeys(jwtSecret),
    jwtSecret,
    hub,
    async close() {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
