/**
 * The engine shared by the fake OpenAI and Anthropic servers: a real `node:http` server on port 0
 * that records every request, answers each with the next scripted response (or a default reply),
 * streams Server-Sent Events at a scripted pace, and notices when a client hangs up early. The
 * vendor's wire format lives in a {@link WireDialect} (`fake-openai.ts`, `fake-anthropic.ts`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tool call the fake model makes; `id` defaults to a numbered vendor-style id. */
export interface FakeToolCall {
  name: string;
  args: unknown;
  id?: string;
}

/** A successful (HTTP 200) reply, streamed when the client asked for a stream. */
export interface FakeReply {
  /** Answer text, streamed in pieces of `chunkSize` characters. */
  text?: string;
  /** Reasoning streamed before the text (`reasoning_content` / a `thinking` block). */
  reasoning?: string;
  toolCalls?: FakeToolCall[];
  /** Characters per streamed piece of text, reasoning or tool arguments. Default 4. */
  chunkSize?: number;
  /** Wait before each content chunk, in milliseconds ("slow tokens"). */
  tokenDelayMs?: number;
  /** Wait before sending the status line and headers. */
  firstByteDelayMs?: number;
  /** Destroy the socket after this many content chunks: the client sees a connection cut mid-stream. */
  cutAfterChunks?: number;
  /** End the response cleanly after this many content chunks, without the vendor's final events. */
  endAfterChunks?: number;
  /** Send the vendor's in-stream `error` event after `afterChunks` content chunks, then end. */
  streamError?: { afterChunks: number; type?: string; message?: string };
  /** The vendor's own finish reason (`stop`, `length`, `end_turn`, `max_tokens`…). */
  finishReason?: string;
  /** Reported usage; by default about 4 characters per token of the request and of the reply. */
  usage?: { inputTokens?: number; outputTokens?: number };
  /** Source chunks after the text, as the AI SDK writes them (the fake UI agent only). */
  sources?: FakeSource[];
}

/** An AI SDK `source-url` (with `url`) or `source-document` (a file: `title`, `mediaType`) chunk's fields. */
type SourceMetadata = Record<string, Record<string, string>>;
export type FakeSource =
  | { url: string; title?: string; providerMetadata?: SourceMetadata }
  | { title: string; mediaType: string; filename?: string; providerMetadata?: SourceMetadata };

/** An HTTP error answer with the vendor's JSON error body. */
export interface FakeFailure {
  status: number;
  /** The error's `message`; a vendor-like default otherwise. */
  message?: string;
  /** The vendor's error `type` (e.g. `rate_limit_error`); derived from the status otherwise. */
  type?: string;
  /** `retry-after` header: seconds, or an HTTP date string. */
  retryAfter?: number | string;
  /** `retry-after-ms` header. */
  retryAfterMs?: number;
  /** Replaces the vendor's error body entirely (for odd OpenAI-compatible servers). */
  body?: unknown;
  firstByteDelayMs?: number;
}

/** One scripted answer: a reply, or a failure (it has a `status`). */
export type FakeScript = FakeReply | FakeFailure;

/** A request as the fake received it. Credentials are never recorded, only whether one was sent. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-case header names; `authorization`, `x-api-key`, `api-key` and `cookie` are left out. */
  headers: Record<string, string>;
  /** True when the request carried an `authorization`, `x-api-key` or `api-key` header. */
  hasAuthorization: boolean;
  /** The parsed JSON body (the raw text when it was not JSON). */
  body: unknown;
}

/** One Server-Sent Event; `isContent` marks the chunks that `cutAfterChunks` and friends count. */
export interface SseFrame {
  event?: string;
  data: string;
  isContent: boolean;
}

/** What makes a fake speak one vendor's protocol. */
export interface WireDialect {
  /** The paths the vendor serves; anything else gets a 404 in the vendor's error format. */
  paths: readonly string[];
  /** Appended to the server's origin to make the `baseURL` the vendor's SDK expects. */
  baseUrlSuffix: string;
  /** The header that carries the request id on error answers. */
  requestIdHeader: string;
  wantsStream(body: unknown): boolean;
  streamFrames(reply: FakeReply, request: RecordedRequest, responseNumber: number): SseFrame[];
  /** The in-stream error event; `type` and `message` default to the vendor's usual ones. */
  streamErrorFrame(type: string | undefined, message: string | undefined): SseFrame;
  jsonReply(reply: FakeReply, request: RecordedRequest, responseNumber: number): unknown;
  errorBody(
    status: number,
    type: string | undefined,
    message: string | undefined,
    requestId: string,
  ): unknown;
  /**
   * The vendor's own refusal of a request its API would reject whatever the model said (say, a
   * temperature the model does not take): the status and JSON error body it answers with, or
   * undefined when the request is acceptable. A refused request uses up no scripted answer.
   */
  refuseRequest?(
    request: RecordedRequest,
    requestId: string,
  ): { status: number; body: unknown } | undefined;
}

export interface FakeServerOptions {
  /** The answer when the queue is empty. Default: a short text. */
  defaultReply?: FakeReply;
}

const SECRET_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'api-key',
  'cookie',
  'proxy-authorization',
]);
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'api-key'];

/**
 * A running fake provider. Queue answers with {@link enqueue}; read what the client sent in
 * {@link requests}; await client aborts with {@link whenAborted}. Each request takes the next
 * queued script; with an empty queue it gets the default reply.
 * @example
 * const fake = await startFakeOpenAI();
 * fake.enqueue({ status: 429, retryAfter: 1 }, { text: 'Hello there', chunkSize: 3 });
 * fake.enqueue({ toolCalls: [{ name: 'calculator', args: { expression: '12*7' } }] });
 * fake.enqueue({ text: 'A long answer…', tokenDelayMs: 20 }); // then abort mid-stream and:
 * await fake.whenAborted();
 * expect(fake.requests.at(-1)?.body).toMatchObject({ stream: true });
 */
export class FakeProviderServer {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Pass this as the SDK's `baseURL`. */
  readonly url: string;
  private readonly queue: FakeScript[] = [];
  private readonly abortWaiters: { count: number; resolve: () => void }[] = [];
  private abortCount = 0;
  private responseCount = 0;

  constructor(
    private readonly server: http.Server,
    private readonly dialect: WireDialect,
    private readonly defaultReply: FakeReply,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}${dialect.baseUrlSuffix}`;
    server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
      this.handle(request, response).catch(() => response.destroy());
    });
  }

  /** Queues answers for the next requests, first in first out. Returns `this` for chaining. */
  enqueue(...scripts: FakeScript[]): this {
    this.queue.push(...scripts);
    return this;
  }

  /** The most recent request, if any. */
  get lastRequest(): RecordedRequest | undefined {
    return this.requests.at(-1);
  }

  /** Scripted answers not used yet. */
  get pending(): number {
    return this.queue.length;
  }

  /** How many responses the client abandoned before they were complete. */
  get aborted(): number {
    return this.abortCount;
  }

  /** Resolves once `count` responses in total have been abandoned by the client. */
  whenAborted(count = 1): Promise<void> {
    if (this.abortCount >= count) return Promise.resolve();
    return new Promise((resolve) => this.abortWaiters.push({ count, resolve }));
  }

  /** Forgets queued scripts and recorded requests (for a fake shared across tests). */
  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
  }

  /** Stops the server, cutting any response still streaming. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private async handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    // Listening first, so a client that hangs up while still sending its body counts as an abort too.
    const connection = { cutByServer: false };
    response.on('close', () => {
      if (!response.writableEnded && !connection.cutByServer) this.noteAbort();
    });
    response.socket?.setNoDelay(true);
    const recorded = await recordRequest(request);
    this.requests.push(recorded);
    this.responseCount += 1;
    const responseNumber = this.responseCount;
    const requestId = `req_fake_${responseNumber}`;

    if (!this.dialect.paths.includes(recorded.path)) {
      const body = this.dialect.errorBody(
        404,
        undefined,
        `No route for ${recorded.method} ${recorded.path} (fake)`,
        requestId,
      );
      sendJson(response, 404, body, { [this.dialect.requestIdHeader]: requestId });
      return;
    }
    const refusal = this.dialect.refuseRequest?.(recorded, requestId);
    if (refusal) {
      sendJson(response, refusal.status, refusal.body, {
        [this.dialect.requestIdHeader]: requestId,
      });
      return;
    }
    const script = this.queue.shift() ?? this.defaultReply;
    if (script.firstByteDelayMs && !(await pause(script.firstByteDelayMs, response))) return;

    if ('status' in script) {
      const headers: Record<string, string> = { [this.dialect.requestIdHeader]: requestId };
      if (script.retryAfter !== undefined) headers['retry-after'] = String(script.retryAfter);
      if (script.retryAfterMs !== undefined)
        headers['retry-after-ms'] = String(script.retryAfterMs);
      sendJson(
        response,
        script.status,
        script.body ??
          this.dialect.errorBody(script.status, script.type, script.message, requestId),
        headers,
      );
    } else if (this.dialect.wantsStream(recorded.body)) {
      await this.streamReply(
        script,
        this.dialect.streamFrames(script, recorded, responseNumber),
        response,
        connection,
      );
    } else {
      sendJson(response, 200, this.dialect.jsonReply(script, recorded, responseNumber), {});
    }
  }

  /** Plays `frames` as Server-Sent Events, honouring the script's pace, cut, early end and error. */
  private async streamReply(
    script: FakeReply,
    frames: SseFrame[],
    response: http.ServerResponse,
    connection: { cutByServer: boolean },
  ): Promise<void> {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    response.flushHeaders();
    let contentChunks = 0;
    for (const frame of frames) {
      if (script.cutAfterChunks !== undefined && contentChunks >= script.cutAfterChunks) {
        connection.cutByServer = true;
        response.socket?.destroy();
        return;
      }
      if (script.endAfterChunks !== undefined && contentChunks >= script.endAfterChunks) break;
      if (script.streamError && contentChunks >= script.streamError.afterChunks) {
        await write(
          response,
          this.dialect.streamErrorFrame(script.streamError.type, script.streamError.message),
        );
        break;
      }
      if (frame.isContent) {
        if (script.tokenDelayMs && !(await pause(script.tokenDelayMs, response))) return;
        contentChunks += 1;
      }
      if (!(await write(response, frame))) return;
    }
    response.end();
  }

  private noteAbort(): void {
    this.abortCount += 1;
    for (const waiter of [...this.abortWaiters]) {
      if (this.abortCount < waiter.count) continue;
      this.abortWaiters.splice(this.abortWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

/**
 * Starts a fake speaking `dialect` on 127.0.0.1 and a free port. Use the vendor wrappers
 * (`startFakeOpenAI`, `startFakeAnthropic`) rather than this.
 * @example
 * const fake = await startFakeServer(myDialect, { defaultReply: { text: 'OK' } });
 */
export async function startFakeServer(
  dialect: WireDialect,
  options: FakeServerOptions = {},
): Promise<FakeProviderServer> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new FakeProviderServer(
    server,
    dialect,
    options.defaultReply ?? { text: 'Hello from the fake model.' },
  );
}

/**
 * `text` in pieces of `size` characters (code points, so emoji stay whole).
 * @example
 * splitIntoChunks('Hello there', 3); // ['Hel', 'lo ', 'the', 're']
 */
export function splitIntoChunks(text: string, size = 4): string[] {
  const characters = Array.from(text);
  const chunks: string[] = [];
  for (let start = 0; start < characters.length; start += Math.max(1, size)) {
    chunks.push(characters.slice(start, start + Math.max(1, size)).join(''));
  }
  return chunks;
}

/**
 * About 4 characters per token, as the providers' own rough rule.
 * @example
 * estimateTokens('Hello there'); // 3
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

async function recordRequest(request: http.IncomingMessage): Promise<RecordedRequest> {
  const pieces: Buffer[] = [];
  for await (const piece of request) pieces.push(piece as Buffer);
  const text = Buffer.concat(pieces).toString('utf8');
  let body: unknown = text;
  try {
    if (text !== '') body = JSON.parse(text) as unknown;
  } catch {
    // Kept as text: the test can assert on what was actually sent.
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || SECRET_HEADERS.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: request.method ?? 'GET',
    path: new URL(request.url ?? '/', 'http://fake').pathname,
    headers,
    hasAuthorization: CREDENTIAL_HEADERS.some((name) => request.headers[name] !== undefined),
    body,
  };
}

/** Answers `body` as JSON with `status` (and `headers`). */
export function sendJson(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Writes one SSE frame and waits until it is handed to the socket; false once the client is gone. */
function write(response: http.ServerResponse, frame: SseFrame): Promise<boolean> {
  if (response.destroyed) return Promise.resolve(false);
  const text = `${frame.event ? `event: ${frame.event}\n` : ''}data: ${frame.data}\n\n`;
  return new Promise((resolve) =>
    response.write(text, (error) => resolve(!error && !response.destroyed)),
  );
}

/** Waits `milliseconds`, or less if the client hangs up; false when it did. */
function pause(milliseconds: number, response: http.ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      response.off('close', finish);
      resolve(!response.destroyed && response.socket?.destroyed !== true);
    };
    const timer = setTimeout(finish, milliseconds);
    response.on('close', finish);
  });
}
