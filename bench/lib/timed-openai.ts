/**
 * A bench-only fake OpenAI Chat Completions server that says *when* it wrote each token.
 *
 * One `node:http` server serves several agents, one per path prefix: an agent's SDK `baseURL` is
 * `<url>/<agent>/v1`. Each streamed reply is `tokens` content chunks, each a unique marker
 * (`<letter><4 digits> `, e.g. `s0007 `), paced on an absolute schedule (`start + i / rate`, so
 * timer lateness does not accumulate), then a chunk with `finish_reason`, a usage chunk and
 * `data: [DONE]`, in OpenAI's wire format. `performance.now()` is taken just before each content
 * chunk is handed to the socket and kept by marker, so a client in the same process can compute
 * write-to-receive latency for every token it sees inside a (coalesced) broadcast.
 *
 * The shared test fake (`test/fakes/fake-openai.ts`) streams the same format but does not expose
 * write times; this one adds them and nothing else (no failures, tools or reasoning).
 *
 * @example
 * const fake = await startTimedOpenAI();
 * fake.script('sage', { letter: 's', tokens: 300, tokensPerSecond: 30 });
 * const model = new OpenAIChatModel({ apiKey: 'bench', baseURL: fake.baseUrl('sage') });
 * // … after the reply: fake.writtenAt.get('s0007') -> performance.now() of that write
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface TimedScript {
  /** One lower-case letter, unique per agent in a run: the markers' prefix. */
  letter: string;
  /** Content chunks (provider tokens) to stream. */
  tokens: number;
  tokensPerSecond: number;
}

export interface TimedReply {
  agent: string;
  /** performance.now() when the request arrived, the first and the last token were written. */
  requestAt: number;
  firstTokenAt: number;
  lastTokenAt: number;
  tokens: number;
  /** The full text streamed. */
  text: string;
  /** How late the pacing timer fired, per token (ms past its scheduled time). */
  lateness: number[];
}

/** The marker of token `index` (0-based) of the agent with `letter`. */
export function marker(letter: string, index: number): string {
  return `${letter}${String(index).padStart(4, '0')}`;
}

/** Every marker in a (coalesced) delta, in order. */
export function markersIn(delta: string): string[] {
  return delta.match(/[a-z]\d{4}(?= )/g) ?? [];
}

export interface TimedOpenAI {
  url: string;
  baseUrl(agent: string): string;
  /** The reply the agent's next request gets (one script per agent, replaced by the next call). */
  script(agent: string, script: TimedScript): void;
  /** Marker -> performance.now() just before that token's chunk was written. */
  readonly writtenAt: Map<string, number>;
  readonly replies: TimedReply[];
  /** Forgets write times and replies (between runs). */
  reset(): void;
  close(): Promise<void>;
}

const sleepUntil = (at: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));

export async function startTimedOpenAI(): Promise<TimedOpenAI> {
  const scripts = new Map<string, TimedScript>();
  const writtenAt = new Map<string, number>();
  const replies: TimedReply[] = [];
  let responses = 0;

  const server = http.createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });

  async function handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const requestAt = performance.now();
    const body: Buffer[] = [];
    for await (const piece of request) body.push(piece as Buffer);
    const match = /^\/([^/]+)\/v1\/chat\/completions$/.exec(
      new URL(request.url ?? '/', 'http://fake').pathname,
    );
    const script = match ? scripts.get(match[1]!) : undefined;
    if (!match || !script) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: {
            message: `no script for ${request.url}`,
            type: 'invalid_request_error',
            param: null,
            code: null,
          },
        }),
      );
      return;
    }
    const agent = match[1]!;
    const parsed = JSON.parse(Buffer.concat(body).toString('utf8')) as {
      model?: string;
      stream_options?: { include_usage?: boolean };
    };
    responses += 1;
    const id = `chatcmpl-bench-${responses}`;
    const event = (fields: Record<string, unknown>) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model: parsed.model ?? 'bench-model', system_fingerprint: 'fp_bench', ...fields })}\n\n`;
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      event({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });

    response.socket?.setNoDelay(true);
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    response.write(chunk({ role: 'assistant', content: '' }));
    const interval = 1000 / script.tokensPerSecond;
    const start = performance.now() + interval;
    const reply: TimedReply = {
      agent,
      requestAt,
      firstTokenAt: Number.NaN,
      lastTokenAt: Number.NaN,
      tokens: 0,
      text: '',
      lateness: [],
    };
    replies.push(reply);
    for (let index = 0; index < script.tokens; index += 1) {
      const due = start + index * interval;
      await sleepUntil(due);
      if (response.destroyed) return;
      const text = `${marker(script.letter, index)} `;
      const frame = chunk({ content: text });
      const now = performance.now();
      reply.lateness.push(Math.max(0, now - due));
      writtenAt.set(marker(script.letter, index), now);
      response.write(frame);
      if (index === 0) reply.firstTokenAt = now;
      reply.lastTokenAt = now;
      reply.tokens += 1;
      reply.text += text;
    }
    response.write(chunk({}, 'stop'));
    if (parsed.stream_options?.include_usage) {
      response.write(
        event({
          choices: [],
          usage: {
            prompt_tokens: 50,
            completion_tokens: script.tokens,
            total_tokens: 50 + script.tokens,
          },
        }),
      );
    }
    response.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseUrl: (agent) => `${url}/${agent}/v1`,
    script(agent, script) {
      scripts.set(agent, script);
    },
    writtenAt,
    replies,
    reset() {
      writtenAt.clear();
      replies.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
