/**
 * The capacity benchmark's fake OpenAI: bench/lib/timed-openai.ts for hundreds of replies at once.
 * Every request (any agent, any room) gets the next reply number `n` and streams `tokens`
 * content chunks `q<n> x<i> ` in OpenAI's Chat Completions wire format, paced on an absolute
 * schedule at `tokensPerSecond`, then `finish_reason`, a usage chunk and `data: [DONE]`.
 * `performance.now()` just before each chunk is written is kept per reply, so the listeners in
 * this same process can compute write → receive latency for every token in a coalesced broadcast.
 *
 * @example
 * const fake = await startCapacityFake({ tokens: 240, tokensPerSecond: 30 });
 * const model = new OpenAIChatModel({ apiKey: 'bench', baseURL: `${fake.url}/v1` });
 * // … markersOf('q12 x0007 ') -> [[12, 7]]; fake.replies[12].writtenAt[7]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface CapacityReply {
  /** performance.now() just before token i was written (NaN until then). */
  writtenAt: Float64Array;
  /** How late the pacing timer fired, per token (ms past its scheduled time). */
  lateness: Float64Array;
  /** The full text streamed so far. */
  text: string;
  done: boolean;
}

export interface CapacityFake {
  url: string;
  /** By reply number. */
  readonly replies: CapacityReply[];
  /** Sets what the next requests stream. */
  configure(stream: { tokens: number; tokensPerSecond: number }): void;
  close(): Promise<void>;
}

/** Every marker in a (coalesced) delta: `[reply, index]` pairs, in order. */
export function markersOf(delta: string): Array<[number, number]> {
  return [...delta.matchAll(/q(\d+) x(\d+) /g)].map((match) => [
    Number(match[1]),
    Number(match[2]),
  ]);
}

/**
 * Token `index` of reply `reply`, unique in the run but spelled as two words that repeat (`q12`
 * in every token of its reply, `x0007` in every reply), so the search index of the final
 * messages sees what a real transcript gives it: mostly words it already holds. One word per
 * token, unique in the run, made every final write add hundreds of new index keys, which no
 * reply does (docs/benchmarks.md, "Capacity").
 */
export function tokenText(reply: number, index: number): string {
  return `q${reply} x${String(index).padStart(4, '0')} `;
}

const sleepUntil = (at: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));

export async function startCapacityFake(initial: {
  tokens: number;
  tokensPerSecond: number;
}): Promise<CapacityFake> {
  let stream = initial;
  const replies: CapacityReply[] = [];

  async function handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const body: Buffer[] = [];
    for await (const piece of request) body.push(piece as Buffer);
    if (!request.url?.endsWith('/chat/completions')) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: { message: 'not found', type: 'invalid_request_error', param: null, code: null },
        }),
      );
      return;
    }
    const parsed = JSON.parse(Buffer.concat(body).toString('utf8')) as { model?: string };
    const { tokens, tokensPerSecond } = stream;
    const number = replies.length;
    const reply: CapacityReply = {
      writtenAt: new Float64Array(tokens).fill(Number.NaN),
      lateness: new Float64Array(tokens),
      text: '',
      done: false,
    };
    replies.push(reply);
    const event = (fields: Record<string, unknown>) =>
      `data: ${JSON.stringify({ id: `chatcmpl-cap-${number}`, object: 'chat.completion.chunk', created: 1_700_000_000, model: parsed.model ?? 'bench-model', ...fields })}\n\n`;
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      event({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });

    response.socket?.setNoDelay(true);
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.write(chunk({ role: 'assistant', content: '' }));
    const interval = 1000 / tokensPerSecond;
    const start = performance.now() + interval;
    for (let index = 0; index < tokens; index += 1) {
      const due = start + index * interval;
      await sleepUntil(due);
      if (response.destroyed) return;
      const text = tokenText(number, index);
      const frame = chunk({ content: text });
      const now = performance.now();
      reply.lateness[index] = Math.max(0, now - due);
      reply.writtenAt[index] = now;
      response.write(frame);
      reply.text += text;
    }
    response.write(chunk({}, 'stop'));
    response.write(
      event({
        choices: [],
        usage: { prompt_tokens: 50, completion_tokens: tokens, total_tokens: 50 + tokens },
      }),
    );
    response.end('data: [DONE]\n\n');
    reply.done = true;
  }

  const server = http.createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    replies,
    configure(next) {
      stream = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
