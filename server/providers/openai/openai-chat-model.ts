/**
 * The OpenAI adapter: Chat Completions streaming through the official SDK. It also serves any
 * OpenAI-compatible server (Ollama, vLLM, LM Studio, Groq, OpenRouter) through `baseURL`.
 */
import OpenAI, { APIError, type ClientOptions } from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type { ChatModel, ChatRequest, ChatStreamPart } from '../chat-model.ts';
import { chatCompletionsFinishReason } from '../chat-completions-finish-reason.ts';
import { truncatedStreamError } from '../stream-failures.ts';
import { parseToolArguments } from '../tool-arguments.ts';
import { providerFetch, responseChunks } from '../provider-fetch.ts';
import { readServerSentEvents } from '../server-sent-events.ts';
import { toOpenAIProviderError } from './openai-error.ts';
import { toOpenAIMessages, toOpenAITools } from './openai-messages.ts';

export interface OpenAIChatModelOptions {
  apiKey: string;
  /** An OpenAI-compatible endpoint, e.g. `http://localhost:11434/v1` for Ollama. */
  baseURL?: string;
  /** The orchestrator retries, so the SDK does not by default. */
  maxRetries?: number;
  /** Milliseconds to wait for the response to start. */
  timeout?: number;
  fetch?: ClientOptions['fetch'];
}

/** A streamed delta as compatible servers send it: some add the model's reasoning. */
type CompatibleDelta = ChatCompletionChunk.Choice.Delta & {
  reasoning_content?: unknown;
  reasoning?: unknown;
};

interface ToolCallDraft {
  callId: string;
  name: string;
  argumentsText: string;
}

/**
 * A {@link ChatModel} over OpenAI Chat Completions (`stream: true`, usage included). The request's
 * `temperature` goes out as `temperature`, except to OpenAI's reasoning models
 * ({@link isOpenAIReasoningModel}), which refuse any but the default; its `maxOutputTokens` as
 * `max_completion_tokens` to OpenAI and to reasoning models, as `max_tokens` to other servers.
 * @example
 * const model = new OpenAIChatModel({ apiKey: process.env.OPENAI_API_KEY ?? '' });
 * for await (const part of model.stream({ model: 'gpt-4o-mini', system: '', turns, tools: [], signal })) {
 *   if (part.type === 'text-delta') process.stdout.write(part.delta);
 * }
 */
export class OpenAIChatModel implements ChatModel {
  readonly provider = 'openai';
  private readonly client: OpenAI;
  /** "OpenAI", or the compatible server's host, for error messages. */
  private readonly label: string;
  private readonly isOfficialEndpoint: boolean;

  constructor(options: OpenAIChatModelOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL ?? 'https://api.openai.com/v1',
      maxRetries: options.maxRetries ?? 0,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      fetch: options.fetch ?? providerFetch,
    });
    this.isOfficialEndpoint =
      options.baseURL === undefined || new URL(options.baseURL).hostname === 'api.openai.com';
    this.label = this.isOfficialEndpoint
      ? 'OpenAI'
      : `the OpenAI-compatible server at ${new URL(this.client.baseURL).host}`;
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamPart, void, undefined> {
    const { signal } = request;
    if (signal.aborted) return;
    const toolCalls = new Map<number, ToolCallDraft>();
    let finishReason: string | undefined;
    let usage = { inputTokens: 0, outputTokens: 0 };
    try {
      // The SDK sends, authenticates and turns error statuses into APIError; Chorus reads the
      // event stream (server-sent-events.ts says why) as the SDK's Stream would.
      const response = await this.client.chat.completions
        .create(this.buildBody(request), { signal })
        .asResponse();
      for await (const data of readServerSentEvents(responseChunks(response))) {
        if (signal.aborted) return; // chunks already buffered when the abort came are dropped
        if (data.startsWith('[DONE]')) break;
        const chunk = JSON.parse(data) as ChatCompletionChunk & { error?: unknown };
        if (chunk.error) throw new APIError(undefined, chunk.error, undefined, response.headers);
        if (chunk.usage)
          usage = {
            inputTokens: chunk.usage.prompt_tokens,
            outputTokens: chunk.usage.completion_tokens,
          };
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const delta = choice.delta as CompatibleDelta | undefined;
        const reasoning = readReasoning(delta);
        if (reasoning) yield { type: 'reasoning-delta', delta: reasoning };
        if (delta?.content) yield { type: 'text-delta', delta: delta.content };
        for (const fragment of delta?.tool_calls ?? []) addToolCallFragment(toolCalls, fragment);
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
    } catch (error) {
      if (signal.aborted) return;
      yield { type: 'error', error: toOpenAIProviderError(error, this.label) };
      return;
    }
    if (signal.aborted) return;
    if (finishReason === undefined) {
      yield { type: 'error', error: truncatedStreamError(this.provider, this.label) };
      return;
    }
    for (const draft of toolCalls.values()) {
      yield {
        type: 'tool-call',
        callId: draft.callId,
        name: draft.name,
        args: parseToolArguments(draft.argumentsText),
      };
    }
    yield {
      type: 'finish',
      reason: chatCompletionsFinishReason(finishReason, toolCalls.size > 0),
      usage,
    };
  }

  private buildBody(request: ChatRequest): ChatCompletionCreateParamsStreaming {
    const body: ChatCompletionCreateParamsStreaming = {
      model: request.model,
      messages: toOpenAIMessages(request.system, request.turns),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (request.tools.length > 0) body.tools = toOpenAITools(request.tools);
    // The model's rules travel with its name: a proxy or Azure in front of o3 refuses the same.
    const isReasoningModel = isOpenAIReasoningModel(request.model);
    if (request.temperature !== undefined && !isReasoningModel)
      body.temperature = request.temperature;
    if (request.maxOutputTokens !== undefined) {
      // OpenAI's newer models only take `max_completion_tokens`; compatible servers know `max_tokens`.
      if (this.isOfficialEndpoint || isReasoningModel)
        body.max_completion_tokens = request.maxOutputTokens;
      else body.max_tokens = request.maxOutputTokens;
    }
    return body;
  }
}

/**
 * OpenAI's models that refuse a temperature other than the default, and `max_tokens`: the
 * reasoning models (o1, o3, o4-mini…) and gpt-5 and later, but `gpt-5-chat` (docs/decisions.md,
 * "Providers: call settings"). A prefix such as `openai/` (OpenRouter, LiteLLM) is looked through.
 * @example
 * isOpenAIReasoningModel('o4-mini'); // true
 * isOpenAIReasoningModel('gpt-4o-mini'); // false
 */
export function isOpenAIReasoningModel(model: string): boolean {
  const name = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  const generation = /^gpt-(\d+)/.exec(name)?.[1];
  return (
    /^o\d/.test(name) ||
    (generation !== undefined && Number(generation) >= 5 && !name.startsWith('gpt-5-chat'))
  );
}

/** `reasoning_content` (DeepSeek, vLLM, LM Studio) or `reasoning` (Ollama, OpenRouter). */
function readReasoning(delta: CompatibleDelta | undefined): string | undefined {
  if (typeof delta?.reasoning_content === 'string' && delta.reasoning_content !== '')
    return delta.reasoning_content;
  if (typeof delta?.reasoning === 'string' && delta.reasoning !== '') return delta.reasoning;
  return undefined;
}

/** Tool calls stream as fragments keyed by `index`: the first carries id and name, all carry argument text. */
function addToolCallFragment(
  drafts: Map<number, ToolCallDraft>,
  fragment: ChatCompletionChunk.Choice.Delta.ToolCall,
): void {
  const index = fragment.index ?? drafts.size;
  const draft = drafts.get(index) ?? { callId: '', name: '', argumentsText: '' };
  if (fragment.id) draft.callId = fragment.id;
  if (fragment.function?.name) draft.name += fragment.function.name;
  if (fragment.function?.arguments) draft.argumentsText += fragment.function.arguments;
  if (draft.callId === '') draft.callId = `call_${index}`;
  drafts.set(index, draft);
}
