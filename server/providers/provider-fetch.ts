/**
 * The `fetch` the provider SDKs stream through: node:http and node:https under the WHATWG
 * `fetch` signature the SDKs take (docs/decisions.md "Provider streams over node:http").
 *
 * Node's built-in `fetch` (undici) carries every body chunk through its own parser, a Node
 * stream, an async iterator and then a web stream; for a reply that arrives one SSE event per
 * token, that pipeline was a third of the server's work while replies stream (bench:capacity).
 * Here a response body is one web stream fed straight from the socket's `data` events, with
 * backpressure. What this does not handle itself goes to the built-in `fetch`, unchanged: a body
 * that is not a string or bytes (form data, streams), a `Request` object, and a redirect (the
 * built-in `fetch` repeats the request and follows it).
 *
 * Like `fetch`: a connection failure rejects with `TypeError('fetch failed', { cause })`, an
 * abort rejects (or errors the body) with the signal's reason, a body cut short errors the
 * stream, and a gzip, deflate or br body is decoded.
 *
 * @example new OpenAI({ apiKey, fetch: providerFetch })
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const NULL_BODY: ReadonlySet<number> = new Set([101, 204, 205, 304]);

export const providerFetch: typeof fetch = async (input, init = {}) => {
  const body = init.body ?? null;
  const ownBody = body === null || typeof body === 'string' || body instanceof Uint8Array;
  if (!ownBody || (typeof input !== 'string' && !(input instanceof URL)))
    return globalThis.fetch(input, init);
  const url = new URL(input);
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!transport) return globalThis.fetch(input, init);
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw signal.reason;

  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== null) headers['content-length'] = String(Buffer.byteLength(body));
  const method = (init.method ?? 'GET').toUpperCase();

  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = transport.request(url, { method, headers, signal }, resolve);
    request.once('error', (error) =>
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error })),
    );
    request.end(body ?? undefined);
  });
  const status = response.statusCode ?? 0;
  if (REDIRECTS.has(status) && response.headers.location && init.redirect !== 'manual') {
    response.destroy();
    return globalThis.fetch(input, init);
  }

  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(response.headers))
    if (value !== undefined)
      for (const each of Array.isArray(value) ? value : [value]) responseHeaders.append(name, each);
  const hasBody = method !== 'HEAD' && !NULL_BODY.has(status);
  const result = new Response(hasBody ? webStream(decoded(response), response, signal) : null, {
    status,
    statusText: response.statusMessage ?? '',
    headers: responseHeaders,
  });
  if (!hasBody) response.resume();
  Object.defineProperty(result, 'url', { value: url.href });
  return result;
};

/** The body decoded as `fetch` decodes it (`content-encoding` gzip, deflate or br). */
function decoded(response: http.IncomingMessage): Readable {
  const encoding = String(response.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : null;
  if (!decoder) return response;
  response.once('error', (error) => decoder.destroy(error));
  return response.pipe(decoder);
}

/**
 * A web stream of `source`'s chunks: it pauses the socket when the reader falls behind and
 * resumes it on the next read; an abort, a socket closed before the end or a decoding error
 * errors it.
 */
function webStream(
  source: Readable,
  response: http.IncomingMessage,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (reason: unknown) => {
        if (settled) return;
        settled = true;
        controller.error(reason);
      };
      source.on('data', (chunk: Buffer) => {
        if (settled) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) source.pause();
      });
      source.once('end', () => {
        if (settled) return;
        settled = true;
        controller.close();
      });
      source.once('error', (error) =>
        fail(signal?.aborted ? signal.reason : new TypeError('terminated', { cause: error })),
      );
      response.once('close', () => {
        if (!response.complete) fail(signal?.aborted ? signal.reason : new TypeError('terminated'));
      });
    },
    pull() {
      source.resume();
    },
    cancel() {
      settled = true;
      response.destroy();
    },
  });
}
