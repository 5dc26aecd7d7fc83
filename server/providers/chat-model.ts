/**
 * The provider seam: everything the orchestrator knows about a language model. Adapters
 * (`openai/`, `anthropic/`, `http-agent/`, `offline/`) translate their SDK to and from these types.
 */
import type { SourcePart } from '../../protocol/room.ts';
import type { ProviderError } from './provider-error.ts';

/** One turn of the transcript as the agent sees it. Other speakers are `user` turns with a name. */
export type ChatTurn =
  | { role: 'user'; content: string; name?: string }
  | { role: 'assistant'; content: string; toolCalls?: ChatToolCall[] }
  | { role: 'tool'; callId: string; name: string; content: string };

export interface ChatToolCall {
  callId: string;
  name: string;
  args: unknown;
  /**
   * Opaque data an adapter needs back with this call on the next request, copied unchanged from
   * the `tool-call` part (Anthropic's signed thinking blocks must accompany their `tool_use`).
   */
  providerMetadata?: ProviderMetadata;
}

/** Adapter-private data keyed by provider name; callers store and return it, never read it. */
export type ProviderMetadata = Record<string, unknown>;

/** A tool offered to the model: its JSON Schema parameters come from the tool's zod schema. */
export interface ChatToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  /** The provider's model name (for `offline`, the persona voice). */
  model: string;
  system: string;
  turns: ChatTurn[];
  tools: ChatToolSpec[];
  /**
   * Sampling temperature on OpenAI's scale, 0–2 (a persona's `temperature`); unset leaves the
   * provider's default. An adapter whose model cannot take it says so in its doc comment.
   */
  temperature?: number;
  /** The most tokens the reply may use (a persona's `maxOutputTokens`); unset leaves the adapter's default. */
  maxOutputTokens?: number;
  /** Aborting stops the provider request; the stream then ends without an `error` part. */
  signal: AbortSignal;
  /**
   * Where the request comes from, for adapters that pass it on (an HTTP agent gets `room`,
   * `runId` and `agent`); model providers ignore it.
   */
  context?: ChatRequestContext;
}

/** The room, the reply and the persona a request is made for. */
export interface ChatRequestContext {
  roomId: string;
  /** The reply's message id: the same across the retries and tool steps of one reply. */
  runId: string;
  agent: { handle: string; name: string };
}

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'other';

/** What a model stream yields, in order. It ends after `finish` or `error`. */
export type ChatStreamPart =
  | { type: 'text-delta'; delta: string }
  | { type: 'reasoning-delta'; delta: string }
  | {
      type: 'tool-call';
      callId: string;
      name: string;
      args: unknown;
      providerMetadata?: ProviderMetadata;
    }
  /** A passage the text cites (docs/architecture.md §12), after the text it backs. */
  | SourcePart
  | { type: 'finish'; reason: FinishReason; usage: { inputTokens: number; outputTokens: number } }
  | { type: 'error'; error: ProviderError };

/**
 * A language model that streams one reply.
 * @example
 * for await (const part of model.stream({ model: 'gpt-4o-mini', system, turns, tools: [], signal })) {
 *   if (part.type === 'text-delta') process.stdout.write(part.delta);
 * }
 */
export interface ChatModel {
  /** `openai`, `anthropic`, `http` or `offline`. */
  readonly provider: string;
  /** Never throws: failures arrive as an `error` part (a {@link ProviderError}). */
  stream(request: ChatRequest): AsyncIterable<ChatStreamPart>;
}
