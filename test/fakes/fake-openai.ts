/**
 * A fake OpenAI Chat Completions server speaking the real wire format: `POST /v1/chat/completions`
 * answered with `data: {chat.completion.chunk}` events and `data: [DONE]`, or with OpenAI's JSON
 * error bodies. Use it with the official SDK (or any OpenAI-compatible client) in tests and
 * benchmarks; see {@link FakeProviderServer} for the script and inspection API.
 */
import {
  estimateTokens,
  splitIntoChunks,
  startFakeServer,
  type FakeProviderServer,
  type FakeReply,
  type FakeServerOptions,
  type RecordedRequest,
  type SseFrame,
  type WireDialect,
} from './fake-provider-server.ts';
import { isRecord } from '../../server/lib/is-record.ts';

export type {
  FakeFailure,
  FakeReply,
  FakeScript,
  FakeToolCall,
  RecordedRequest,
} from './fake-provider-server.ts';

/** A running fake OpenAI server; `url` ends in `/v1`, ready to be the SDK's `baseURL`. */
export type FakeOpenAI = FakeProviderServer;

export interface FakeOpenAIOptions extends FakeServerOptions {
  /** Where reasoning goes in a delta: `reasoning_content` (DeepSeek, vLLM; the default) or `reasoning` (Ollama, OpenRouter). */
  reasoningField?: 'reasoning_content' | 'reasoning';
}

/** A fixed `created` timestamp, so recorded streams are byte-for-byte reproducible. */
const CREATED = 1_700_000_000;

const ERROR_DEFAULTS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request (fake).' },
  401: {
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: 'Incorrect API key provided (fake).',
  },
  403: {
    type: 'invalid_request_error',
    code: 'unsupported_country_region_territory',
    message: 'Forbidden (fake).',
  },
  404: {
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: 'The model does not exist (fake).',
  },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests (fake).',
  },
};

/**
 * Starts a fake OpenAI server on a free local port.
 * @example
 * const fake = await startFakeOpenAI();
 * fake.enqueue({ text: 'Hello there', chunkSize: 3 }, { status: 429, retryAfter: 1 });
 * const client = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
 * // … stream a completion, then:
 * expect(fake.requests[0]?.body).toMatchObject({ model: 'gpt-4o-mini', stream: true });
 * await fake.close();
 */
export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  return startFakeServer(openAIDialect(options.reasoningField ?? 'reasoning_content'), options);
}

function openAIDialect(reasoningField: 'reasoning_content' | 'reasoning'): WireDialect {
  return {
    paths: ['/v1/chat/completions'],
    baseUrlSuffix: '/v1',
    requestIdHeader: 'x-request-id',
    wantsStream: (body) => isRecord(body) && body.stream === true,
    streamFrames: (reply, request, responseNumber) =>
      streamFrames(reply, request, responseNumber, reasoningField),
    streamErrorFrame: (
      type = 'server_error',
      message = 'The server had an error while processing your request (fake).',
    ) => ({
      data: JSON.stringify({ error: { message, type, param: null, code: null } }),
      isContent: false,
    }),
    jsonReply,
    errorBody(status, type, message) {
      const fallback = ERROR_DEFAULTS[status] ?? {
        type: 'server_error',
        code: null,
        message: 'The server had an error while processing your request (fake).',
      };
      return {
        error: {
          message: message ?? fallback.message,
          type: type ?? fallback.type,
          param: null,
          code: fallback.code,
        },
      };
    },
    refuseRequest,
  };
}

/**
 * The models the fake treats as OpenAI's reasoning models: o1, o3, o4-mini…, and gpt-5 and later
 * but `gpt-5-chat`.
 */
function isReasoningModel(model: string): boolean {
  const generation = /^gpt-(\d+)/.exec(model)?.[1];
  return (
    /^o\d/.test(model) ||
    (generation !== undefined && Number(generation) >= 5 && !model.startsWith('gpt-5-chat'))
  );
}

/**
 * What OpenAI refuses of its reasoning models: any temperature but the default 1, and
 * `max_tokens` (they take `max_completion_tokens`).
 */
function refuseRequest({ body }: RecordedRequest): { status: number; body: unknown } | undefined {
  if (!isRecord(body) || typeof body.model !== 'string' || !isReasoningModel(body.model))
    return undefined;
  const refusal = (param: string, code: string, message: string) => ({
    status: 400,
    body: { error: { message, type: 'invalid_request_error', param, code } },
  });
  if (body.temperature !== undefined && body.temperature !== 1) {
    return refusal(
      'temperature',
      'unsupported_value',
      `Unsupported value: 'temperature' does not support ${String(body.temperature)} with this model. Only the default (1) value is supported.`,
    );
  }
  if (body.max_tokens !== undefined) {
    return refusal(
      'max_tokens',
      'unsupported_parameter',
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    );
  }
  return undefined;
}

function streamFrames(
  reply: FakeReply,
  request: RecordedRequest,
  responseNumber: number,
  reasoningField: string,
): SseFrame[] {
  const model = requestedModel(request);
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): string =>
    JSON.stringify({
      id: `chatcmpl-fake-${responseNumber}`,
      object: 'chat.completion.chunk',
      created: CREATED,
      model,
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });
  const size = reply.chunkSize ?? 4;
  const frames: SseFrame[] = [
    { data: chunk({ role: 'assistant', content: '' }), isContent: false },
  ];
  for (const piece of splitIntoChunks(reply.reasoning ?? '', size))
    frames.push({ data: chunk({ [reasoningField]: piece }), isContent: true });
  for (const piece of splitIntoChunks(reply.text ?? '', size))
    frames.push({ data: chunk({ content: piece }), isContent: true });
  (reply.toolCalls ?? []).forEach((call, index) => {
    const id = call.id ?? `call_fake_${responseNumber}_${index}`;
    frames.push({
      data: chunk({
        tool_calls: [{ index, id, type: 'function', function: { name: call.name, arguments: '' } }],
      }),
      isContent: true,
    });
    for (const piece of splitIntoChunks(JSON.stringify(call.args), size)) {
      frames.push({
        data: chunk({ tool_calls: [{ index, function: { arguments: piece } }] }),
        isContent: true,
      });
    }
  });
  frames.push({ data: chunk({}, finishReason(reply)), isContent: false });
  if (
    isRecord(request.body) &&
    isRecord(request.body.stream_options) &&
    request.body.stream_options.include_usage === true
  ) {
    const usage = usageOf(reply, request);
    frames.push({
      data: JSON.stringify({
        id: `chatcmpl-fake-${responseNumber}`,
        object: 'chat.completion.chunk',
        created: CREATED,
        model,
        system_fingerprint: 'fp_fake',
        choices: [],
        usage: {
          prompt_tokens: usage.input,
          completion_tokens: usage.output,
          total_tokens: usage.input + usage.output,
        },
      }),
      isContent: false,
    });
  }
  frames.push({ data: '[DONE]', isContent: false });
  return frames;
}

function jsonReply(reply: FakeReply, request: RecordedRequest, responseNumber: number): unknown {
  const usage = usageOf(reply, request);
  const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? `call_fake_${responseNumber}_${index}`,
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.args) },
  }));
  return {
    id: `chatcmpl-fake-${responseNumber}`,
    object: 'chat.completion',
    created: CREATED,
    model: requestedModel(request),
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text ?? null,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: finishReason(reply),
      },
    ],
    usage: {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
    },
  };
}

function finishReason(reply: FakeReply): string {
  return reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop');
}

function usageOf(reply: FakeReply, request: RecordedRequest): { input: number; output: number } {
  const generated =
    (reply.reasoning ?? '') +
    (reply.text ?? '') +
    (reply.toolCalls?.length ? JSON.stringify(reply.toolCalls) : '');
  return {
    input: reply.usage?.inputTokens ?? estimateTokens(JSON.stringify(request.body)),
    output: reply.usage?.outputTokens ?? estimateTokens(generated),
  };
}

function requestedModel(request: RecordedRequest): string {
  return isRecord(request.body) && typeof request.body.model === 'string'
    ? request.body.model
    : 'fake-model';
}
