/**
 * The `fetch` the provider SDKs stream through: node:http and node:https under the WHATWG
 * `fetch` signature the SDKs take (docs/decisions.md "Provider streams over node:http").
 *
 * Node's built-in `fetch` (undici) carries every body chunk through its own parser, a Node
 * stream, an async iterator and then a web stream; for a reply that arrives one SSE event per
 * token, that pipeline was a third of the server's work while replies stream (bench:capacity).
 * Here a response body is fed straight from the socket's `data` events, with backpressure: as a
 * web stream (`Response.body`, what the SDKs read) or, for Chorus's own event-stream readers, as
 * the chunks themselves ({@link responseChunks}). What this does not handle itself goes to the
 * built-in `fetch`, unchanged: a body that is not a string or bytes (form data, streams), a
 * `Request` object, and a redirect (the built-in `fetch` repeats the request and follows it).
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
  const socketBody = hasBody ? new SocketBody(decoded(response), response, signal) : null;
  const result = new Response(socketBody?.webStream() ?? null, {
    status,
    statusText: response.statusMessage ?? '',
    headers: responseHeaders,
  });
  if (socketBody) socketBodies.set(result, socketBody);
  else response.resume();
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

/** The bodies of responses {@link providerFetch} made, for {@link responseChunks}. */
const socketBodies = new WeakMap<Response, SocketBody>();

/**
 * The chunks of `response`'s body as they arrive. For a response {@link providerFetch} made whose
 * body nobody has read, they come straight from the socket, without the web stream `body` is
 * (an SSE reader that takes one event per token pays that stream's promises and queues per
 * token); for any other response they are its `body`. Breaking out of the loop closes the
 * connection. A cut or aborted body errors as `body` would.
 * @example for await (const chunk of responseChunks(response)) decoder.decode(chunk, { stream: true });
 */
export function responseChunks(response: Response): AsyncIterable<Uint8Array> {
  const body = socketBodies.get(response);
  if (body && !response.bodyUsed && !body.claimed) return body.chunks();
  // Node's web streams are async iterable (closing the loop cancels them); the DOM types omit it.
  return (response.body as unknown as AsyncIterable<Uint8Array> | null) ?? emptyBody();
}

async function* emptyBody(): AsyncGenerator<Uint8Array, void, undefined> {}

interface BodySink {
  chunk(chunk: Buffer): void;
  end(): void;
  error(reason: unknown): void;
}

/**
 * A response's body at the socket, read once, by whichever asks first: the web stream
 * `Response.body` (what the SDKs read) or {@link responseChunks}. Until then nothing flows (the
 * socket's own backpressure holds the provider), but a failure is already listened for, so a
 * body nobody reads cannot throw, and is kept for the reader that comes.
 */
class SocketBody {
  claimed = false;
  private sink: BodySink | null = null;
  private failure: { reason: unknown } | null = null;

  constructor(
    private readonly source: Readable,
    private readonly response: http.IncomingMessage,
    signal: AbortSignal | undefined,
  ) {
    source.once('error', (error) =>
      this.fail(signal?.aborted ? signal.reason : new TypeError('terminated', { cause: error })),
    );
    response.once('close', () => {
      if (!response.complete)
        this.fail(signal?.aborted ? signal.reason : new TypeError('terminated'));
    });
  }

  /** Starts the flow into `sink`; a failure that came before is delivered at once. */
  claim(sink: BodySink): void {
    this.claimed = true;
    this.sink = sink;
    if (this.failure) return sink.error(this.failure.reason);
    this.source.on('data', (chunk: Buffer) => this.sink?.chunk(chunk));
    this.source.once('end', () => {
      const sink = this.sink;
      this.sink = null;
      sink?.end();
    });
  }

  pause(): void {
    this.source.pause();
  }

  resume(): void {
    this.source.resume();
  }

  /** Stops reading and closes the connection (the reader gave up). */
  cancel(): void {
    this.sink = null;
    this.response.destroy();
  }

  private fail(reason: unknown): void {
    this.failure ??= { reason };
    const sink = this.sink;
    this.sink = null;
    sink?.error(reason);
  }

  /**
   * A web stream of the chunks: it pauses the socket when the reader falls behind and resumes it
   * on the next read. Its high-water mark is 0, so it starts reading only at the first read.
   */
  webStream(): ReadableStream<Uint8Array> {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    return new ReadableStream<Uint8Array>(
      {
        start: (streamController) => {
          controller = streamController;
        },
        pull: () => {
          if (this.claimed) return this.resume();
          this.claim({
            chunk: (chunk) => {
              controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
              if ((controller.desiredSize ?? 1) <= 0) this.pause();
            },
            end: () => controller.close(),
            error: (reason) => controller.error(reason),
          });
        },
        cancel: () => {
          this.claimed = true;
          this.cancel();
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** The chunks as an async iterator: one promise per chunk, at most {@link QUEUED_CHUNKS} held. */
  chunks(): AsyncIterableIterator<Uint8Array> {
    const queue: Buffer[] = [];
    let waiting: {
      resolve(result: IteratorResult<Uint8Array>): void;
      reject(reason: unknown): void;
    } | null = null;
    let ended = false;
    let failure: { reason: unknown } | null = null;
    const done: IteratorResult<Uint8Array> = { done: true, value: undefined };
    this.claim({
      chunk: (chunk) => {
        if (waiting) {
          const reader = waiting;
          waiting = null;
          return reader.resolve({ done: false, value: chunk });
        }
        queue.push(chunk);
        if (queue.length >= QUEUED_CHUNKS) this.pause();
      },
      end: () => {
        ended = true;
        waiting?.resolve(done);
        waiting = null;
      },
      error: (reason) => {
        failure = { reason };
        waiting?.reject(reason);
        waiting = null;
      },
    });
    const iterator: AsyncIterableIterator<Uint8Array> = {
      next: () => {
        const chunk = queue.shift();
        if (chunk) {
          if (queue.length === 0) this.resume();
          return Promise.resolve({ done: false, value: chunk });
        }
        if (failure) return Promise.reject(failure.reason);
        if (ended) return Promise.resolve(done);
        return new Promise((resolve, reject) => (waiting = { resolve, reject }));
      },
      return: () => {
        if (!ended && !failure) this.cancel();
        ended = true;
        queue.length = 0;
        return Promise.resolve(done);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

/** How many chunks {@link SocketBody.chunks} holds for a slow reader before it pauses the socket. */
const QUEUED_CHUNKS = 16;
