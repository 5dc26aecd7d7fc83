import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { providerFetch, responseChunks } from './provider-fetch.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function serve(
  handle: (request: http.IncomingMessage, response: http.ServerResponse, seen: Seen) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const entry = { method: request.method!, url: request.url!, headers: request.headers, body };
      seen.push(entry);
      handle(request, response, entry);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** A server that writes one event and holds the response open; `gone` settles when it closes. */
async function serveOneEventAndHold(): Promise<{ url: string; gone: Promise<void> }> {
  let closed!: () => void;
  const gone = new Promise<void>((resolve) => (closed = resolve));
  const { url } = await serve((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: first\n\n');
    response.on('close', closed);
  });
  return { url, gone };
}

/** The two ways a body is read: the web stream the SDKs read, and Chorus's own SSE reader's. */
const readers: Array<[string, (response: Response) => () => Promise<Uint8Array | null>]> = [
  [
    'Response.body',
    (response) => {
      const reader = response.body!.getReader();
      return async () => (await reader.read()).value ?? null;
    },
  ],
  [
    'responseChunks',
    (response) => {
      const chunks = responseChunks(response)[Symbol.asyncIterator]();
      return async () => (await chunks.next()).value ?? null;
    },
  ],
];

async function chunksOf(read: () => Promise<Uint8Array | null>): Promise<string[]> {
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  for (let chunk = await read(); chunk; chunk = await read()) chunks.push(decoder.decode(chunk));
  return chunks;
}

describe('providerFetch', () => {
  it('sends the method, headers and body, and answers with the status, headers and body', async () => {
    const { url, seen } = await serve((_request, response) => {
      response.writeHead(201, { 'content-type': 'text/event-stream', 'x-request-id': 'r1' });
      response.write('data: one\n\n');
      setTimeout(() => response.end('data: two\n\n'), 30);
    });
    const response = await providerFetch(`${url}/v1/chat`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'wörld' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('r1');
    expect(response.url).toBe(`${url}/v1/chat`);
    expect(await response.text()).toBe('data: one\n\ndata: two\n\n');
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/v1/chat',
      body: '{"hello":"wörld"}',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
    });
  });

  it('decodes a gzip body, as fetch does', async () => {
    const { url } = await serve((_request, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
      response.end(gzipSync(JSON.stringify({ error: { message: 'slow down' } })));
    });
    expect(await (await providerFetch(url)).json()).toEqual({ error: { message: 'slow down' } });
  });

  it('follows a redirect through the built-in fetch, body and all', async () => {
    const { url, seen } = await serve((request, response) => {
      if (request.url === '/old') response.writeHead(307, { location: '/new' }).end();
      else response.end(`moved: ${seen.at(-1)!.body}`);
    });
    const response = await providerFetch(`${url}/old`, { method: 'POST', body: 'payload' });
    expect(await response.text()).toBe('moved: payload');
    expect(seen.map((request) => request.url)).toEqual(['/old', '/old', '/new']);
  });

  it('rejects with the reason when aborted before the answer starts, and at once when already aborted', async () => {
    const { url } = await serve(() => {}); // never answers
    const controller = new AbortController();
    const pending = providerFetch(url, { signal: controller.signal });
    setTimeout(() => controller.abort(new DOMException('gave up', 'AbortError')), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', message: 'gave up' });
    await expect(providerFetch(url, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('rejects an unreachable server as fetch does: TypeError "fetch failed" with the cause', async () => {
    const { url } = await serve(() => {});
    server!.close();
    server!.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(providerFetch(url)).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
      cause: { code: 'ECONNREFUSED' },
    });
  });
});

describe.each(readers)('a body read through %s', (_name, readerOf) => {
  it('streams chunk by chunk as the server writes', async () => {
    const { url } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      setTimeout(() => response.end('data: two\n\n'), 30);
    });
    expect(await chunksOf(readerOf(await providerFetch(url)))).toEqual([
      'data: one\n\n',
      'data: two\n\n',
    ]);
  });

  it('delivers a body larger than the stream buffers whole while the reader reads slowly (backpressure)', async () => {
    const piece = 'x'.repeat(64 * 1024);
    const { url } = await serve((_request, response) => {
      for (let index = 0; index < 80; index += 1) response.write(piece);
      response.end('end');
    });
    const read = readerOf(await providerFetch(url));
    let bytes = 0;
    for (let chunk = await read(); chunk; chunk = await read()) {
      bytes += chunk.byteLength;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(bytes).toBe(80 * piece.length + 3);
  });

  it('errors with the abort reason when aborted mid-stream, and the server sees the request go away', async () => {
    const { url, gone } = await serveOneEventAndHold();
    const controller = new AbortController();
    const read = readerOf(await providerFetch(url, { signal: controller.signal }));
    expect(new TextDecoder().decode((await read())!)).toBe('data: first\n\n');
    controller.abort(new DOMException('stopped', 'AbortError'));
    await expect(read()).rejects.toMatchObject({ name: 'AbortError', message: 'stopped' });
    await gone;
  });

  it('errors with TypeError "terminated" when the connection is cut, also before the first read', async () => {
    const { url } = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('partial');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const response = await providerFetch(url);
    await new Promise((resolve) => setTimeout(resolve, 80)); // cut while nobody reads
    const read = readerOf(response);
    await expect(chunksOf(read)).rejects.toMatchObject({
      name: 'TypeError',
      message: 'terminated',
    });
  });
});

describe('responseChunks', () => {
  it('closes the connection when the reader stops early', async () => {
    const { url, gone } = await serveOneEventAndHold();
    for await (const chunk of responseChunks(await providerFetch(url))) if (chunk) break;
    await gone;
  });

  it('reads a response the built-in fetch made through its body', async () => {
    const { url } = await serve((_request, response) => response.end('data: one\n\n'));
    const chunks: string[] = [];
    for await (const chunk of responseChunks(await fetch(url)))
      chunks.push(new TextDecoder().decode(chunk));
    expect(chunks.join('')).toBe('data: one\n\n');
  });
});
