/**
 * A fake bring-your-own agent built with the real `ai` package: a Node `http` server whose route
 * answers with `createUIMessageStreamResponse({ stream: createUIMessageStream(…) })`, the same
 * Response a Next.js route returning `streamText(…).toUIMessageStreamResponse()` sends (see
 * docs/http-agents.md). It takes the same scripts as the vendor fakes ({@link FakeScript}) and
 * records requests the same way, so the provider contract runs against it.
 *
 * Why one file: the route, the pipe that plays its Response into Node's and the request recorder
 * are one fake server, read together when a contract test fails.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUIMessageStream, createUIMessageStreamResponse } from 'ai';
import {
  estimateTokens,
  splitIntoChunks,
  type FakeReply,
  type FakeScript,
  type RecordedRequest,
} from './fake-provider-server.ts';
import { sendJson } from './fake-provider-server.ts';

/** The route's path; the agent's URL is `${origin}${UI_AGENT_PATH}`. */
export const UI_AGENT_PATH = '/api/agent';

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'cookie']);
const CONTENT_TYPES = new Set(['text-delta', 'reasoning-delta', 'tool-input-available']);

/**
 * A running fake agent: queue scripts with {@link enqueue}, read {@link requests}, await aborts.
 * @example
 * const agent = await startFakeUIAgent();
 * agent.enqueue({ text: 'Hello there', chunkSize: 3 });
 * const model = new HttpChatModel({ url: agent.url });
 */
export class FakeUIAgent {
  readonly requests: RecordedRequest[] = [];
  /** The agent's URL, path included. */
  readonly url: string;
  private readonly queue: FakeScript[] = [];
  private readonly abortWaiters: { count: number; resolve: () => void }[] = [];
  private abortCount = 0;

  constructor(private readonly server: http.Server) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}${UI_AGENT_PATH}`;
    server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
      this.handle(request, response).catch(() => response.destroy());
    });
  }

  enqueue(...scripts: FakeScript[]): this {
    this.queue.push(...scripts);
    return this;
  }

  /** How many responses the client abandoned before they were complete. */
  get aborted(): number {
    return this.abortCount;
  }

  whenAborted(count = 1): Promise<void> {
    if (this.abortCount >= count) return Promise.resolve();
    return new Promise((resolve) => this.abortWaiters.push({ count, resolve }));
  }

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
    const connection = { cutByServer: false };
    response.on('close', () => {
      if (!response.writableEnded && !connection.cutByServer) this.noteAbort();
    });
    const recorded = await recordRequest(request);
    this.requests.push(recorded);
    if (recorded.path !== UI_AGENT_PATH || recorded.method !== 'POST') {
      sendJson(response, 404, { error: { message: `No route for ${recorded.path} (fake)` } }, {});
      return;
    }
    const script = this.queue.shift() ?? { text: 'Hello from the fake agent.' };
    if (script.firstByteDelayMs && !(await pause(script.firstByteDelayMs, response))) return;
    if ('status' in script) {
      const headers: Record<string, string> = {};
      if (script.retryAfter !== undefined) headers['retry-after'] = String(script.retryAfter);
      if (script.retryAfterMs !== undefined)
        headers['retry-after-ms'] = String(script.retryAfterMs);
      sendJson(
        response,
        script.status,
        script.body ?? {
          error: { message: script.message ?? `Agent error ${script.status} (fake)` },
        },
        headers,
      );
      return;
    }
    await pipeResponse(
      uiMessageStreamResponse(script, recorded, response),
      response,
      script,
      connection,
    );
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

/** Starts a fake agent on 127.0.0.1 and a free port. */
export async function startFakeUIAgent(): Promise<FakeUIAgent> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new FakeUIAgent(server);
}

/** The route's answer, written with the `ai` package's own stream and Response helpers. */
function uiMessageStreamResponse(
  script: FakeReply,
  request: RecordedRequest,
  response: http.ServerResponse,
): Response {
  const stream = createUIMessageStream({
    execute: async ({ writer }) => {
      let contentChunks = 0;
      /** False when the script ends the stream here (early end, or an error event). */
      const beforeContent = async (): Promise<boolean> => {
        if (script.endAfterChunks !== undefined && contentChunks >= script.endAfterChunks)
          return false;
        if (script.streamError && contentChunks >= script.streamError.afterChunks) {
          writer.write({
            type: 'error',
            errorText: script.streamError.message ?? 'Agent failed (fake).',
          });
          return false;
        }
        if (script.tokenDelayMs && !(await pause(script.tokenDelayMs, response))) return false;
        contentChunks += 1;
        return true;
      };
      const size = script.chunkSize ?? 4;
      writer.write({ type: 'start' });
      writer.write({ type: 'start-step' });
      if (script.reasoning) {
        writer.write({ type: 'reasoning-start', id: 'reasoning-1' });
        for (const delta of splitIntoChunks(script.reasoning, size)) {
          if (!(await beforeContent())) return;
          writer.write({ type: 'reasoning-delta', id: 'reasoning-1', delta });
        }
        writer.write({ type: 'reasoning-end', id: 'reasoning-1' });
      }
      if (script.text) {
        writer.write({ type: 'text-start', id: 'text-1' });
        for (const delta of splitIntoChunks(script.text, size)) {
          if (!(await beforeContent())) return;
          writer.write({ type: 'text-delta', id: 'text-1', delta });
        }
        writer.write({ type: 'text-end', id: 'text-1' });
      }
      for (const [index, source] of (script.sources ?? []).entries()) {
        const sourceId = `source-${index}`;
        if ('url' in source) writer.write({ type: 'source-url', sourceId, ...source });
        else writer.write({ type: 'source-document', sourceId, ...source });
      }
      for (const [index, call] of (script.toolCalls ?? []).entries()) {
        if (!(await beforeContent())) return;
        const toolCallId = call.id ?? `call_ui_${index}`;
        writer.write({ type: 'tool-input-start', toolCallId, toolName: call.name });
        writer.write({
          type: 'tool-input-available',
          toolCallId,
          toolName: call.name,
          input: call.args,
        });
      }
      if (script.streamError && contentChunks >= script.streamError.afterChunks) {
        writer.write({
          type: 'error',
          errorText: script.streamError.message ?? 'Agent failed (fake).',
        });
        return;
      }
      if (script.endAfterChunks !== undefined) return;
      const generated = (script.reasoning ?? '') + (script.text ?? '');
      writer.write({ type: 'finish-step' });
      writer.write({
        type: 'finish',
        finishReason: script.toolCalls?.length ? 'tool-calls' : 'stop',
        messageMetadata: {
          usage: {
            inputTokens: script.usage?.inputTokens ?? estimateTokens(JSON.stringify(request.body)),
            outputTokens: script.usage?.outputTokens ?? estimateTokens(generated),
          },
        },
      });
    },
  });
  return createUIMessageStreamResponse({ stream });
}

/** Pipes a Fetch `Response` into Node's response, as a Node server hosting the route would; cuts the socket when scripted. */
async function pipeResponse(
  web: Response,
  response: http.ServerResponse,
  script: FakeReply,
  connection: { cutByServer: boolean },
): Promise<void> {
  response.writeHead(web.status, Object.fromEntries(web.headers.entries()));
  response.flushHeaders();
  if (web.body === null) {
    response.end();
    return;
  }
  const reader = web.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let contentChunks = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      const events = buffer.split('\n\n');
      buffer = events.pop() ?? '';
      for (const event of events) {
        if (isContentEvent(event)) {
          if (script.cutAfterChunks !== undefined && contentChunks >= script.cutAfterChunks) {
            connection.cutByServer = true;
            response.socket?.destroy();
            return;
          }
          contentChunks += 1;
        }
        if (!(await write(response, `${event}\n\n`))) return;
      }
    }
    if (buffer !== '') await write(response, buffer);
    response.end();
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function isContentEvent(event: string): boolean {
  const data = event.startsWith('data: ') ? event.slice(6) : '';
  try {
    const chunk = JSON.parse(data) as { type?: unknown };
    return typeof chunk.type === 'string' && CONTENT_TYPES.has(chunk.type);
  } catch {
    return false;
  }
}

async function recordRequest(request: http.IncomingMessage): Promise<RecordedRequest> {
  const pieces: Buffer[] = [];
  for await (const piece of request) pieces.push(piece as Buffer);
  const text = Buffer.concat(pieces).toString('utf8');
  let body: unknown = text;
  try {
    if (text !== '') body = JSON.parse(text) as unknown;
  } catch {
    // Kept as text.
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
    hasAuthorization: request.headers.authorization !== undefined,
    body,
  };
}

function write(response: http.ServerResponse, text: string): Promise<boolean> {
  if (response.destroyed) return Promise.resolve(false);
  return new Promise((resolve) =>
    response.write(text, (error) => resolve(!error && !response.destroyed)),
  );
}

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
