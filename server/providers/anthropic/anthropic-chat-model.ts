/**
 * The Anthropic adapter: Messages streaming through the official SDK, read as raw events
 * (`messages.create({ stream: true })`) so every delta, block and usage figure is ours to map.
 */
import Anthropic, { type ClientOptions } from '@anthropic-ai/sdk';
import type {
  MessageCreateParamsStreaming,
  RawMessageStreamEvent,
  StopReason,
} from '@anthropic-ai/sdk/resources/messages';
import type { ChatModel, ChatRequest, ChatStreamPart, FinishReason } from '../chat-model.ts';
import { truncatedStreamError } from '../stream-failures.ts';
import { parseToolArguments } from '../tool-arguments.ts';
import { providerFetch } from '../provider-fetch.ts';
import { toAnthropicProviderError } from './anthropic-error.ts';
import {
  isToolLoopMissingThinking,
  thinkingMetadata,
  toAnthropicMessages,
  toAnthropicTools,
  type AnthropicThinkingBlock,
} from './anthropic-messages.ts';

/** Anthropic requires `max_tokens`; this is used when the request sets no limit. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

export interface AnthropicChatModelOptions {
  apiKey: string;
  /** A proxy or gateway in front of the Messages API (the SDK appends `/v1/messages`). */
  baseURL?: string;
  /** The orchestrator retries, so the SDK does not by default. */
  maxRetries?: number;
  /** Milliseconds to wait for the response to start. */
  timeout?: number;
  fetch?: ClientOptions['fetch'];
  /**
   * Turns on extended thinking with this token budget (at least 1024). It is added on top of the
   * request's output limit, and the thinking streams as `reasoning-delta` parts.
   */
  thinkingBudgetTokens?: number;
}

/** What one content block of the reply has accumulated so far, by block index. */
type BlockDraft =
  | { kind: 'tool'; callId: string; name: string; inputJson: string }
  | { kind: 'thinking'; thinking: string; signature: string }
  | { kind: 'redacted-thinking'; data: string }
  | { kind: 'other' };

/** Everything the stream has told us, read once the reply is over. */
interface ReplyState {
  blocks: Map<number, BlockDraft>;
  stopReason: StopReason | null;
  sawMessageStop: boolean;
  inputTokens: number;
  outputTokens: number;
}

/**
 * A {@link ChatModel} over Anthropic's Messages API. The request's `maxOutputTokens` is
 * `max_tokens` (the thinking budget is added on top). Its `temperature` is never sent: the API
 * version this SDK speaks (2026-10-21) answers 400 to any `temperature`, `top_p` or `top_k`, on
 * every model and even at the default, and the older one refused a temperature with extended
 * thinking anyway (docs/decisions.md, "Providers: call settings").
 * @example
 * const model = new AnthropicChatModel({ apiKey: process.env.ANTHROPIC_API_KEY ?? '' });
 * for await (const part of model.stream({ model: 'claude-sonnet-4-5', system, turns, tools: [], signal })) {
 *   if (part.type === 'text-delta') process.stdout.write(part.delta);
 * }
 */
export class AnthropicChatModel implements ChatModel {
  readonly provider = 'anthropic';
  private readonly client: Anthropic;
  private readonly label: string;
  private readonly thinkingBudgetTokens: number | undefined;

  constructor(options: AnthropicChatModelOptions) {
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseURL ?? 'https://api.anthropic.com',
      maxRetries: options.maxRetries ?? 0,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      fetch: options.fetch ?? providerFetch,
    });
    const host = new URL(this.client.baseURL).host;
    this.label = host === 'api.anthropic.com' ? 'Anthropic' : `the Anthropic endpoint at ${host}`;
    this.thinkingBudgetTokens = options.thinkingBudgetTokens;
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamPart, void, undefined> {
    const { signal } = request;
    if (signal.aborted) return;
    const state: ReplyState = {
      blocks: new Map(),
      stopReason: null,
      sawMessageStop: false,
      inputTokens: 0,
      outputTokens: 0,
    };
    try {
      const events = await this.client.messages.create(this.buildBody(request), { signal });
      for await (const event of events) {
        if (signal.aborted) return; // events already buffered when the abort came are dropped
        const part = readEvent(event, state);
        if (part) yield part;
      }
    } catch (error) {
      if (signal.aborted) return;
      yield { type: 'error', error: toAnthropicProviderError(error, this.label) };
      return;
    }
    if (signal.aborted) return;
    if (!state.sawMessageStop) {
      yield { type: 'error', error: truncatedStreamError(this.provider, this.label) };
      return;
    }
    yield* finishReply(state);
  }

  private buildBody(request: ChatRequest): MessageCreateParamsStreaming {
    const maxOutputTokens = request.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    const body: MessageCreateParamsStreaming = {
      model: request.model,
      max_tokens: maxOutputTokens,
      messages: toAnthropicMessages(request.turns),
      stream: true,
    };
    if (request.system.trim() !== '') body.system = request.system;
    if (request.tools.length > 0) body.tools = toAnthropicTools(request.tools);
    const budget = this.thinkingBudgetTokens;
    if (budget !== undefined && !isToolLoopMissingThinking(request.turns)) {
      body.thinking = { type: 'enabled', budget_tokens: budget };
      body.max_tokens = maxOutputTokens + budget;
    }
    // No `request.temperature`: see the class comment.
    return body;
  }
}

/** Folds one stream event into `state`; returns the part to emit for it, if any. */
function readEvent(event: RawMessageStreamEvent, state: ReplyState): ChatStreamPart | undefined {
  switch (event.type) {
    case 'message_start': {
      const usage = event.message.usage;
      state.inputTokens =
        usage.input_tokens +
        (usage.cache_creation_input_tokens ?? 0) +
        (usage.cache_read_input_tokens ?? 0);
      state.outputTokens = usage.output_tokens;
      return undefined;
    }
    case 'content_block_start': {
      const block = event.content_block;
      if (block.type === 'tool_use') {
        state.blocks.set(event.index, {
          kind: 'tool',
          callId: block.id,
          name: block.name,
          inputJson: '',
        });
      } else if (block.type === 'thinking') {
        state.blocks.set(event.index, {
          kind: 'thinking',
          thinking: block.thinking,
          signature: block.signature,
        });
        if (block.thinking) return { type: 'reasoning-delta', delta: block.thinking };
      } else if (block.type === 'redacted_thinking') {
        state.blocks.set(event.index, { kind: 'redacted-thinking', data: block.data });
      } else {
        state.blocks.set(event.index, { kind: 'other' });
        if (block.type === 'text' && block.text) return { type: 'text-delta', delta: block.text };
      }
      return undefined;
    }
    case 'content_block_delta': {
      const draft = state.blocks.get(event.index);
      const delta = event.delta;
      if (delta.type === 'text_delta') return { type: 'text-delta', delta: delta.text };
      if (delta.type === 'thinking_delta') {
        if (draft?.kind === 'thinking') draft.thinking += delta.thinking;
        return { type: 'reasoning-delta', delta: delta.thinking };
      }
      if (delta.type === 'signature_delta' && draft?.kind === 'thinking')
        draft.signature += delta.signature;
      if (delta.type === 'input_json_delta' && draft?.kind === 'tool')
        draft.inputJson += delta.partial_json;
      return undefined;
    }
    case 'message_delta':
      state.stopReason = event.delta.stop_reason ?? state.stopReason;
      state.outputTokens = event.usage.output_tokens;
      // Newer API versions repeat the input figures here, cumulatively.
      if (event.usage.input_tokens !== null && event.usage.input_tokens !== undefined) {
        state.inputTokens =
          event.usage.input_tokens +
          (event.usage.cache_creation_input_tokens ?? 0) +
          (event.usage.cache_read_input_tokens ?? 0);
      }
      return undefined;
    case 'message_stop':
      state.sawMessageStop = true;
      return undefined;
    default:
      return undefined;
  }
}

/** The tool calls (the first one carrying the thinking blocks to send back) and the finish part. */
function* finishReply(state: ReplyState): Generator<ChatStreamPart, void, undefined> {
  const drafts = [...state.blocks.entries()]
    .sort(([left], [right]) => left - right)
    .map(([, draft]) => draft);
  const thinkingBlocks: AnthropicThinkingBlock[] = [];
  for (const draft of drafts) {
    if (draft.kind === 'thinking')
      thinkingBlocks.push({
        type: 'thinking',
        thinking: draft.thinking,
        signature: draft.signature,
      });
    if (draft.kind === 'redacted-thinking')
      thinkingBlocks.push({ type: 'redacted_thinking', data: draft.data });
  }
  let isFirstCall = true;
  for (const draft of drafts) {
    if (draft.kind !== 'tool') continue;
    const metadata =
      isFirstCall && thinkingBlocks.length > 0
        ? { providerMetadata: thinkingMetadata(thinkingBlocks) }
        : {};
    isFirstCall = false;
    yield {
      type: 'tool-call',
      callId: draft.callId,
      name: draft.name,
      args: parseToolArguments(draft.inputJson),
      ...metadata,
    };
  }
  yield {
    type: 'finish',
    reason: mapStopReason(state.stopReason),
    usage: { inputTokens: state.inputTokens, outputTokens: state.outputTokens },
  };
}

/** Anthropic's stop reasons in the seam's terms. */
function mapStopReason(reason: StopReason | null): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}
