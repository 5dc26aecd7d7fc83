/**
 * A gate in front of a fake provider that lets through only requests bearing one API key, the
 * way a hosted provider refuses any other: `401` with OpenAI's error body otherwise. The vendor
 * fakes never record credentials, so a test proves which key reached which server with this.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KeyGate {
  /** The gate's origin with the upstream's path suffix (e.g. `/v1`): use it as the `baseURL`. */
  readonly url: string;
  /** Requests refused for a missing or wrong key. */
  readonly refused: number;
  close(): Promise<void>;
}

/**
 * Starts a gate on a free port that forwards requests with `Authorization: Bearer <key>` to
 * `upstreamUrl` (responses streamed back as they come) and refuses the rest.
 * @example
 * const gate = await startKeyGate('gsk-test', fake.url);
 * const model = new OpenAIChatModel({ apiKey: 'gsk-test', baseURL: gate.url });
 */
export async function startKeyGate(key: string, upstreamUrl: string): Promise<KeyGate> {
  const upstream = new URL(upstreamUrl);
  let refused = 0;
  const server = http.createServer((request, response) => {
    if (request.headers.authorization !== `Bearer ${key}`) {
      refused += 1;
      request.resume();
      const body = JSON.stringify({
        error: {
          message: 'Incorrect API key provided (gate).',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      });
      response.writeHead(401, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const forwarded = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    response.on('close', () => forwarded.destroy());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, '')}`,
    get refused() {
      return refused;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
