/**
 * The bring-your-own-agent adapter (docs/architecture.md §9, "HTTP agents"): Chorus POSTs the
 * turn to the persona's `url` and reads the answer back as the AI SDK UI message stream (what
 * `streamText(...).toUIMessageStreamResponse()` returns) or as OpenAI Chat Completions SSE, told
 * apart by the first event's shape. The request body is documented in docs/http-agents.md.
 */
import type { ChatModel, ChatRequest, ChatStreamPart } from '../chat-model.ts';
import { toOpenAIMessages } from '../openai/openai-messages.ts';
import { readOpenAIErrorBody } from '../openai/openai-error-body.ts';
import { ProviderError } from '../provider-error.ts';
import {
  capitalize,
  interruptedStreamError,
  statusError,
  truncatedStreamError,
} from '../stream-failures.ts';
import { providerFetch, responseChunks } from '../provider-fetch.ts';
import { readServerSentEvents } from '../server-sent-events.ts';
import { createStreamReader, type AgentStreamReader } from './agent-stream.ts';

const PROVIDER = 'http';
/** An error body longer than this is cut in the message (it may be an HTML error page). */
const MAX_ERROR_WORDS = 300;

export interface HttpChatModelOptions {
  /** The agent's endpoint, http(s). */
  url: string;
  /** Sent as `Authorization: Bearer <key>` when set (a persona's `apiKeyEnv`). */
  apiKey?: string;
  /** Milliseconds to wait for the agent to start answering (its status line and headers). */
  timeout?: number;
  /** How requests are made: {@link providerFetch} (node:http, as the SDK adapters stream) unless given. */
  fetch?: typeof fetch;
}

/** The JSON Chorus POSTs to an HTTP agent. */
export interface HttpAgentRequestBody {
  /** The room's id, or null when the request comes from outside a room (tests, tools). */
  room: string | null;
  /** The reply's id: the same across the retries and tool steps of one reply. */
  runId: string | null;
  agent: { handle: string; name: string } | null;
  /** The persona's `model`, for an agent that serves several personas. */
  model: string;
  stream: true;
  /** Asks an agent that streams Chat Completions chunks to end with the usage, as OpenAI does. */
  stream_options: { include_usage: true };
  /** The system prompt and the transcript as Chat Completions messages (others' names in the text). */
  messages: ReturnType<typeof toOpenAIMessages>;
  /** The tools the agent may ask Chorus to run, with JSON Schema parameters; may be empty. */
  tools: ChatRequest['tools'];
  temperature?: number;
  maxOutputTokens?: number;
}

/**
 * A {@link ChatModel} whose model is someone else's HTTP endpoint.
 * @example
 * const model = new HttpChatModel({ url: 'https://agents.example.com/api/chorus' });
 * for await (const part of model.stream({ model: 'helper', system: '', turns, tools: [], signal })) {
 *   if (part.type === 'text-delta') process.stdout.write(part.delta);
 * }
 */
export class HttpChatModel implements ChatModel {
  readonly provider = PROVIDER;
  private readonly label: string;

  constructor(private readonly options: HttpChatModelOptions) {
    // The host only: a URL's path or query may carry a token, and messages reach logs.
    this.label = `the HTTP agent at ${new URL(options.url).host}`;
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamPart, void, undefined> {
    const { signal } = request;
    if (signal.aborted) return;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer =
      this.options.timeout === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, this.options.timeout);
    try {
      let response: Response;
      try {
        response = await (this.options.fetch ?? providerFetch)(this.options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'text/event-stream',
            ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
          },
          body: JSON.stringify(buildBody(request)),
          // A redirect is an error answer, never followed: the key must not travel to another URL.
          redirect: 'manual',
          signal: controller.signal,
        });
      } catch (error) {
        if (signal.aborted) return;
        yield { type: 'error', error: this.connectionError(error, timedOut) };
        return;
      } finally {
        clearTimeout(timer);
      }
      if (!response.ok) {
        const words = await readErrorWords(response);
        if (signal.aborted) return;
        yield {
          type: 'error',
          error: statusError(PROVIDER, this.label, response, words, undefined),
        };
        return;
      }
      yield* this.readBody(response, request);
    } finally {
      signal.removeEventListener('abort', onAbort);
      controller.abort(); // releases the connection whichever way the stream ended
    }
  }

  private async *readBody(
    response: Response,
    request: ChatRequest,
  ): AsyncGenerator<ChatStreamPart, void, undefined> {
    const { signal } = request;
    let reader: AgentStreamReader | undefined;
    try {
      if (response.body === null) throw new Error('the response has no body');
      for await (const data of readServerSentEvents(responseChunks(response))) {
        if (signal.aborted) return;
        reader ??= createStreamReader(data, response.headers, {
          label: this.label,
          tools: request.tools,
        });
        for (const part of reader.read(data)) {
          yield part;
          if (part.type === 'error') return;
        }
        if (reader.isDone) break;
      }
    } catch (error) {
      if (signal.aborted) return;
      yield { type: 'error', error: interruptedStreamError(PROVIDER, error, this.label) };
      return;
    }
    if (signal.aborted) return;
    const contentType = response.headers.get('content-type') ?? 'no content type';
    if (reader === undefined && !contentType.includes('text/event-stream')) {
      // A JSON or HTML answer: the agent is not streaming, and a retry will not change that.
      yield {
        type: 'error',
        error: new ProviderError({
          provider: PROVIDER,
          message: `${capitalize(this.label)} answered ${contentType} instead of an event stream (text/event-stream): see docs/http-agents.md.`,
          isRetryable: false,
        }),
      };
      return;
    }
    const ending = reader?.end();
    if (ending === undefined) {
      yield { type: 'error', error: truncatedStreamError(PROVIDER, this.label) };
      return;
    }
    yield* ending;
  }

  private connectionError(error: unknown, timedOut: boolean): ProviderError {
    if (timedOut) {
      return new ProviderError({
        provider: PROVIDER,
        message: `${capitalize(this.label)} did not answer in time.`,
        isRetryable: true,
        cause: error,
      });
    }
    return new ProviderError({
      provider: PROVIDER,
      message: `Could not reach ${this.label} (${describeFetchError(error)}).`,
      isRetryable: true,
      cause: error,
    });
  }
}

/**
 * The JSON body for `request`.
 * @example
 * buildBody(chatRequest()); // { room: null, runId: null, agent: null, model: 'test-model', stream: true, messages: [...], tools: [] }
 */
export function buildBody(request: ChatRequest): HttpAgentRequestBody {
  const { context } = request;
  return {
    room: context?.roomId ?? null,
    runId: context?.runId ?? null,
    agent: context ? { handle: context.agent.handle, name: context.agent.name } : null,
    model: request.model,
    stream: true,
    stream_options: { include_usage: true },
    messages: toOpenAIMessages(request.system, request.turns),
    tools: request.tools,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
  };
}

/** The agent's own explanation of an error answer: a JSON error body's message, or its text. */
async function readErrorWords(response: Response): Promise<string> {
  const text = (await response.text().catch(() => '')).trim();
  if (text === '') return 'no error message in the response';
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // Plain text (or an HTML page): its words are the explanation.
  }
  const words = readOpenAIErrorBody(body)?.message ?? text;
  return words.length > MAX_ERROR_WORDS ? `${words.slice(0, MAX_ERROR_WORDS)}…` : words;
}

/** undici reports "fetch failed" and hides the reason (ECONNREFUSED…) in `cause`. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error && cause.message) return `${error.message}: ${cause.message}`;
  return error.message;
}
