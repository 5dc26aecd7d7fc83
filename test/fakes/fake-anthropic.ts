/**
 * A fake Anthropic Messages server speaking the real wire format: `POST /v1/messages` answered
 * with `message_start`, `content_block_start` / `content_block_delta` (`thinking_delta`,
 * `signature_delta`, `text_delta`, `input_json_delta`) / `content_block_stop`, `message_delta` and
 * `message_stop` events, or with Anthropic's JSON error bodies. See {@link FakeProviderServer} for
 * the script and inspection API.
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

/** A running fake Anthropic server; `url` is the origin, ready to be the SDK's `baseURL`. */
export type FakeAnthropic = FakeProviderServer;

/**
 * The `signature` the fake puts on the thinking block of response `responseNumber` (1-based), to
 * assert that it comes back unchanged.
 * @example
 * expect(fake.requests[1]?.body).toMatchObject({ messages: [{}, { content: [{ signature: fakeThinkingSignature(1) }] }] });
 */
export function fakeThinkingSignature(responseNumber: number): string {
  return `fake-signature-${responseNumber}`;
}

const ERROR_DEFAULTS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request (fake).' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  403: {
    type: 'permission_error',
    message: 'Your API key does not have permission to use the specified resource (fake).',
  },
  404: { type: 'not_found_error', message: 'The requested resource could not be found (fake).' },
  413: {
    type: 'request_too_large',
    message: 'Request exceeds the maximum allowed number of bytes (fake).',
  },
  429: {
    type: 'rate_limit_error',
    message: 'Number of request tokens has exceeded your rate limit (fake).',
  },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

/**
 * Starts a fake Anthropic server on a free local port.
 * @example
 * const fake = await startFakeAnthropic();
 * fake.enqueue({ reasoning: 'Adding up.', text: '4', chunkSize: 2 });
 * const client = new Anthropic({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
 * // … stream a message, then:
 * expect(fake.requests[0]?.body).toMatchObject({ stream: true });
 * await fake.close();
 */
export function startFakeAnthropic(options: FakeServerOptions = {}): Promise<FakeAnthropic> {
  return startFakeServer(anthropicDialect, options);
}

const anthropicDialect: WireDialect = {
  paths: ['/v1/messages'],
  baseUrlSuffix: '',
  requestIdHeader: 'request-id',
  wantsStream: (body) => isRecord(body) && body.stream === true,
  streamFrames,
  streamErrorFrame: (type = 'overloaded_error', message = 'Overloaded') =>
    event('error', { type: 'error', error: { type, message } }, false),
  jsonReply,
  errorBody(status, type, message, requestId) {
    const fallback = ERROR_DEFAULTS[status] ?? {
      type: 'api_error',
      message: 'Internal server error (fake).',
    };
    return {
      type: 'error',
      error: { type: type ?? fallback.type, message: message ?? fallback.message },
      request_id: requestId,
    };
  },
  refuseRequest,
};

/** The API version from which the Messages API has no sampling parameters; the SDK sends it. */
export const SAMPLING_REMOVED_IN_VERSION = '2026-10-21';
const SAMPLING_PARAMETERS = ['temperature', 'top_p', 'top_k'] as const;

/**
 * What the Messages API refuses before any model runs, by the `anthropic-version` the request
 * names: from {@link SAMPLING_REMOVED_IN_VERSION}, any `temperature`, `top_p` or `top_k` (even 1);
 * before it, a temperature outside 0–1 or other than 1 with extended thinking. In both, an output
 * limit not above the thinking budget.
 */
function refuseRequest(
  { body, headers }: RecordedRequest,
  requestId: string,
): { status: number; body: unknown } | undefined {
  if (!isRecord(body)) return undefined;
  const refusal = (message: string) => ({
    status: 400,
    body: anthropicDialect.errorBody(400, 'invalid_request_error', message, requestId),
  });
  const { temperature, thinking, max_tokens: maxTokens } = body;
  const isThinking = isRecord(thinking) && thinking.type === 'enabled';
  if ((headers['anthropic-version'] ?? '') >= SAMPLING_REMOVED_IN_VERSION) {
    const sampling = SAMPLING_PARAMETERS.find((name) => body[name] !== undefined);
    if (sampling) return refusal(`${sampling}: Extra inputs are not permitted`);
  } else if (typeof temperature === 'number' && (temperature < 0 || temperature > 1)) {
    return refusal('temperature: range: 0..1');
  } else if (isThinking && temperature !== undefined && temperature !== 1) {
    return refusal('`temperature` may only be set to 1 when thinking is enabled.');
  }
  if (
    isThinking &&
    typeof maxTokens === 'number' &&
    typeof thinking.budget_tokens === 'number' &&
    maxTokens <= thinking.budget_tokens
  ) {
    return refusal('`max_tokens` must be greater than `thinking.budget_tokens`');
  }
  return undefined;
}

function event(name: string, data: unknown, isContent: boolean): SseFrame {
  return { event: name, data: JSON.stringify(data), isContent };
}

function streamFrames(
  reply: FakeReply,
  request: RecordedRequest,
  responseNumber: number,
): SseFrame[] {
  const size = reply.chunkSize ?? 4;
  const usage = usageOf(reply, request);
  const frames: SseFrame[] = [
    event(
      'message_start',
      {
        type: 'message_start',
        message: {
          id: `msg_fake_${responseNumber}`,
          type: 'message',
          role: 'assistant',
          model: requestedModel(request),
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: usage.input,
            output_tokens: 1,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
        },
      },
      false,
    ),
    event('ping', { type: 'ping' }, false),
  ];
  let index = 0;
  const block = (start: unknown, deltas: unknown[], extraDeltas: unknown[] = []): void => {
    frames.push(
      event(
        'content_block_start',
        { type: 'content_block_start', index, content_block: start },
        false,
      ),
    );
    for (const delta of deltas)
      frames.push(
        event('content_block_delta', { type: 'content_block_delta', index, delta }, true),
      );
    for (const delta of extraDeltas)
      frames.push(
        event('content_block_delta', { type: 'content_block_delta', index, delta }, false),
      );
    frames.push(event('content_block_stop', { type: 'content_block_stop', index }, false));
    index += 1;
  };

  if (reply.reasoning) {
    block(
      { type: 'thinking', thinking: '', signature: '' },
      splitIntoChunks(reply.reasoning, size).map((thinking) => ({
        type: 'thinking_delta',
        thinking,
      })),
      [{ type: 'signature_delta', signature: fakeThinkingSignature(responseNumber) }],
    );
  }
  if (reply.text) {
    block(
      { type: 'text', text: '' },
      splitIntoChunks(reply.text, size).map((text) => ({ type: 'text_delta', text })),
    );
  }
  (reply.toolCalls ?? []).forEach((call, callIndex) => {
    const id = call.id ?? `toolu_fake_${responseNumber}_${callIndex}`;
    block(
      { type: 'tool_use', id, name: call.name, input: {} },
      splitIntoChunks(JSON.stringify(call.args), size).map((json) => ({
        type: 'input_json_delta',
        partial_json: json,
      })),
    );
  });
  frames.push(
    event(
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: stopReason(reply), stop_sequence: null },
        usage: { output_tokens: usage.output },
      },
      false,
    ),
    event('message_stop', { type: 'message_stop' }, false),
  );
  return frames;
}

function jsonReply(reply: FakeReply, request: RecordedRequest, responseNumber: number): unknown {
  const usage = usageOf(reply, request);
  const content: unknown[] = [];
  if (reply.reasoning)
    content.push({
      type: 'thinking',
      thinking: reply.reasoning,
      signature: fakeThinkingSignature(responseNumber),
    });
  if (reply.text) content.push({ type: 'text', text: reply.text, citations: null });
  (reply.toolCalls ?? []).forEach((call, callIndex) => {
    content.push({
      type: 'tool_use',
      id: call.id ?? `toolu_fake_${responseNumber}_${callIndex}`,
      name: call.name,
      input: call.args,
    });
  });
  return {
    id: `msg_fake_${responseNumber}`,
    type: 'message',
    role: 'assistant',
    model: requestedModel(request),
    content,
    stop_reason: stopReason(reply),
    stop_sequence: null,
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  };
}

function stopReason(reply: FakeReply): string {
  return reply.finishReason ?? (reply.toolCalls?.length ? 'tool_use' : 'end_turn');
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
