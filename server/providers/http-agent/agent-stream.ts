/**
 * The two answers an HTTP agent may stream, read into {@link ChatStreamPart}s: the AI SDK UI
 * message stream (`{"type":"text-delta",…}` events, header `x-vercel-ai-ui-message-stream: v1`)
 * and OpenAI Chat Completions chunks (`{"choices":[…]}` events, then `[DONE]`). Which one is
 * decided once, from the header or the first event's shape (docs/decisions.md, "HTTP agents").
 */
import type { ChatStreamPart, ChatToolSpec, FinishReason } from '../chat-model.ts';
import { chatCompletionsFinishReason } from '../chat-completions-finish-reason.ts';
import { readOpenAIErrorBody } from '../openai/openai-error-body.ts';
import { ProviderError } from '../provider-error.ts';
import { capitalize } from '../stream-failures.ts';
import { parseToolArguments } from '../tool-arguments.ts';
import { MAX_SOURCES, readSource } from './agent-sources.ts';
import { isRecord } from '../../lib/is-record.ts';

const PROVIDER = 'http';

/** Reads one stream's events; {@link end} answers the closing parts, or undefined when it was cut short. */
export interface AgentStreamReader {
  read(data: string): ChatStreamPart[];
  /** The stream said it is complete (`[DONE]`, or a UI stream's `finish`). */
  readonly isDone: boolean;
  end(): ChatStreamPart[] | undefined;
}

interface ReaderContext {
  label: string;
  tools: readonly ChatToolSpec[];
}

interface ToolCallDraft {
  callId: string;
  name: string;
  args: unknown;
}

/**
 * The reader for the stream whose first event is `firstData`.
 * @example
 * const reader = createStreamReader('{"type":"start"}', response.headers, { label, tools: [] });
 */
export function createStreamReader(
  firstData: string,
  headers: Headers,
  context: ReaderContext,
): AgentStreamReader {
  if (headers.get('x-vercel-ai-ui-message-stream') !== null)
    return new UIMessageStreamReader(context);
  const first = parseJson(firstData);
  if (isRecord(first) && typeof first.type === 'string') return new UIMessageStreamReader(context);
  return new ChatCompletionsReader(context);
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

function badEvent(label: string, data: string): ProviderError {
  const shown = data.length > 120 ? `${data.slice(0, 120)}…` : data;
  return new ProviderError({
    provider: PROVIDER,
    message: `${capitalize(label)} sent an event that is neither a UI message stream chunk nor a Chat Completions chunk: ${shown}`,
    isRetryable: false,
  });
}

/** Usage as the AI SDK reports it (`inputTokens`/`outputTokens`), e.g. in the `finish` chunk's `messageMetadata.usage`. */
function readUsage(value: unknown): { inputTokens: number; outputTokens: number } | undefined {
  const usage = isRecord(value) && isRecord(value.usage) ? value.usage : undefined;
  if (usage === undefined) return undefined;
  const { inputTokens, outputTokens } = usage;
  if (typeof inputTokens !== 'number' || typeof outputTokens !== 'number') return undefined;
  return { inputTokens, outputTokens };
}

/** About 4 characters a token, for an agent that reports no usage (the room's budget still counts). */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

class UIMessageStreamReader implements AgentStreamReader {
  isDone = false;
  private finishReason: FinishReason | undefined;
  private usage: { inputTokens: number; outputTokens: number } | undefined;
  private outputText = '';
  private sources = 0;
  /** Tool inputs the agent wants Chorus to run; those the agent ran itself are removed. */
  private readonly toolCalls = new Map<string, ToolCallDraft>();

  constructor(private readonly context: ReaderContext) {}

  read(data: string): ChatStreamPart[] {
    // `createUIMessageStreamResponse` ends with `[DONE]`; only a `finish` before it completes the reply.
    if (data.trim() === '[DONE]') {
      this.isDone = true;
      return [];
    }
    const chunk = parseJson(data);
    if (!isRecord(chunk) || typeof chunk.type !== 'string')
      return [{ type: 'error', error: badEvent(this.context.label, data) }];
    switch (chunk.type) {
      case 'text-delta':
      case 'reasoning-delta': {
        if (typeof chunk.delta !== 'string' || chunk.delta === '') return [];
        this.outputText += chunk.delta;
        return [{ type: chunk.type, delta: chunk.delta }];
      }
      case 'tool-input-available': {
        if (chunk.providerExecuted === true) return [];
        if (typeof chunk.toolCallId !== 'string' || typeof chunk.toolName !== 'string') return [];
        this.toolCalls.set(chunk.toolCallId, {
          callId: chunk.toolCallId,
          name: chunk.toolName,
          args: typeof chunk.input === 'string' ? parseToolArguments(chunk.input) : chunk.input,
        });
        return [];
      }
      case 'tool-output-available':
      case 'tool-output-error':
      case 'tool-output-denied': {
        // The agent ran this tool itself: nothing for Chorus to run.
        if (typeof chunk.toolCallId === 'string') this.toolCalls.delete(chunk.toolCallId);
        return [];
      }
      case 'source-url':
      case 'source-document': {
        const source = this.sources < MAX_SOURCES ? readSource(chunk) : undefined;
        if (!source) return [];
        this.sources += 1;
        return [source];
      }
      case 'message-metadata': {
        this.usage = readUsage(chunk.messageMetadata) ?? this.usage;
        return [];
      }
      case 'finish': {
        this.usage = readUsage(chunk.messageMetadata) ?? this.usage;
        this.finishReason = mapUIFinishReason(chunk.finishReason);
        this.isDone = true;
        return [];
      }
      case 'error': {
        const words = typeof chunk.errorText === 'string' ? chunk.errorText : 'no message';
        return [
          {
            type: 'error',
            error: new ProviderError({
              provider: PROVIDER,
              message: `${capitalize(this.context.label)} reported an error mid-reply: ${words}`,
              isRetryable: true,
            }),
          },
        ];
      }
      case 'abort': {
        this.isDone = true; // no finish: end() reports the reply as cut short
        return [];
      }
      default:
        return []; // start, *-start, *-end, steps, files, data parts: nothing for the room
    }
  }

  end(): ChatStreamPart[] | undefined {
    if (this.finishReason === undefined) return undefined;
    const offered = new Set(this.context.tools.map((tool) => tool.name));
    const calls = [...this.toolCalls.values()].filter((call) => offered.has(call.name));
    return [
      ...calls.map((call) => ({ type: 'tool-call' as const, ...call })),
      {
        type: 'finish',
        reason: calls.length > 0 ? 'tool-calls' : this.finishReason,
        usage: this.usage ?? { inputTokens: 0, outputTokens: estimateTokens(this.outputText) },
      },
    ];
  }
}

function mapUIFinishReason(reason: unknown): FinishReason {
  switch (reason) {
    case undefined:
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool-calls':
      return 'tool-calls';
    case 'content-filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

interface ChatCompletionsToolDraft {
  callId: string;
  name: string;
  argumentsText: string;
}

class ChatCompletionsReader implements AgentStreamReader {
  isDone = false;
  private finishReason: string | undefined;
  private usage: { inputTokens: number; outputTokens: number } | undefined;
  private outputText = '';
  private readonly toolCalls = new Map<number, ChatCompletionsToolDraft>();

  constructor(private readonly context: ReaderContext) {}

  read(data: string): ChatStreamPart[] {
    if (data.trim() === '[DONE]') {
      this.isDone = true;
      return [];
    }
    const chunk = parseJson(data);
    if (!isRecord(chunk)) return [{ type: 'error', error: badEvent(this.context.label, data) }];
    if (chunk.error !== undefined) return [{ type: 'error', error: this.streamError(chunk) }];
    if (!Array.isArray(chunk.choices))
      return [{ type: 'error', error: badEvent(this.context.label, data) }];
    if (isRecord(chunk.usage)) {
      const { prompt_tokens: input, completion_tokens: output } = chunk.usage;
      if (typeof input === 'number' && typeof output === 'number')
        this.usage = { inputTokens: input, outputTokens: output };
    }
    const choice: unknown = chunk.choices[0];
    if (!isRecord(choice)) return [];
    const parts: ChatStreamPart[] = [];
    const delta = isRecord(choice.delta) ? choice.delta : {};
    const reasoning = [delta.reasoning_content, delta.reasoning].find(
      (value): value is string => typeof value === 'string' && value !== '',
    );
    if (reasoning) parts.push({ type: 'reasoning-delta', delta: reasoning });
    if (typeof delta.content === 'string' && delta.content !== '') {
      this.outputText += delta.content;
      parts.push({ type: 'text-delta', delta: delta.content });
    }
    if (Array.isArray(delta.tool_calls)) {
      for (const fragment of delta.tool_calls as unknown[]) this.addToolFragment(fragment);
    }
    if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
    return parts;
  }

  end(): ChatStreamPart[] | undefined {
    if (this.finishReason === undefined) return undefined;
    const calls = [...this.toolCalls.values()];
    return [
      ...calls.map((draft) => ({
        type: 'tool-call' as const,
        callId: draft.callId,
        name: draft.name,
        args: parseToolArguments(draft.argumentsText),
      })),
      {
        type: 'finish',
        reason: chatCompletionsFinishReason(this.finishReason, calls.length > 0),
        usage: this.usage ?? { inputTokens: 0, outputTokens: estimateTokens(this.outputText) },
      },
    ];
  }

  private streamError(chunk: Record<string, unknown>): ProviderError {
    const detail = readOpenAIErrorBody(chunk);
    return new ProviderError({
      provider: PROVIDER,
      message: `${capitalize(this.context.label)} reported an error mid-reply: ${detail?.message ?? 'no message'}`,
      isRetryable: detail?.type !== 'invalid_request_error',
    });
  }

  private addToolFragment(fragment: unknown): void {
    if (!isRecord(fragment)) return;
    const index = typeof fragment.index === 'number' ? fragment.index : this.toolCalls.size;
    const draft = this.toolCalls.get(index) ?? { callId: '', name: '', argumentsText: '' };
    const fn = isRecord(fragment.function) ? fragment.function : {};
    if (typeof fragment.id === 'string' && fragment.id !== '') draft.callId = fragment.id;
    if (typeof fn.name === 'string') draft.name += fn.name;
    if (typeof fn.arguments === 'string') draft.argumentsText += fn.arguments;
    if (draft.callId === '') draft.callId = `call_${index}`;
    this.toolCalls.set(index, draft);
  }
}
