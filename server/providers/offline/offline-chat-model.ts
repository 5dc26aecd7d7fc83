/**
 * The offline provider: deterministic personas that need no key and no network, and stream like a
 * real model, at a readable pace, so the demo, stop and late joining behave as they will in
 * production (docs/architecture.md §5).
 */
import { cutText } from '../../../protocol/text.ts';
import { abortableSleep } from '../../lib/abortable-sleep.ts';
import type { ChatModel, ChatRequest, ChatStreamPart } from '../chat-model.ts';
import { planReply } from './reply-plan.ts';

/** Tokens streamed per second by default: a brisk but readable human pace. */
export const DEFAULT_TOKENS_PER_SECOND = 25;
/** Pause before the first token, as a real model takes a moment to start. */
export const DEFAULT_FIRST_TOKEN_DELAY_MS = 250;
/** The usual rough rule: about four characters per token. */
export const CHARACTERS_PER_TOKEN = 4;

/** Waits `milliseconds`, or less when `signal` aborts. Never rejects. */
export type Delay = (milliseconds: number, signal: AbortSignal) => Promise<void>;

export interface OfflineChatModelOptions {
  /** Streaming pace. Default {@link DEFAULT_TOKENS_PER_SECOND}. */
  tokensPerSecond?: number;
  /** Pause before the first token. Default {@link DEFAULT_FIRST_TOKEN_DELAY_MS}. */
  firstTokenDelayMs?: number;
  /** How to wait; tests inject one that records the requested time and returns at once. */
  delay?: Delay;
}

/**
 * A {@link ChatModel} whose `request.model` picks a persona voice: `sage` (a thoughtful
 * explainer), `scout` (a terse researcher who likes tools) or `critic` (a skeptical reviewer);
 * any other name gets a plain assistant voice. Replies come from the transcript: names people gave,
 * what others said, tool calls for arithmetic, the time and searches, and @mention handoffs.
 * `maxOutputTokens` cuts the reply (finishing with `length`); `temperature` is ignored, as the
 * replies are deterministic.
 * @example
 * const model = new OfflineChatModel();
 * for await (const part of model.stream({ model: 'sage', system: 'You are Sage (@sage).', turns, tools: [], signal })) {
 *   if (part.type === 'text-delta') process.stdout.write(part.delta);
 * }
 */
export class OfflineChatModel implements ChatModel {
  readonly provider = 'offline';
  private readonly millisecondsPerCharacter: number;
  private readonly firstTokenDelayMs: number;
  private readonly delay: Delay;

  constructor(options: OfflineChatModelOptions = {}) {
    const tokensPerSecond = options.tokensPerSecond ?? DEFAULT_TOKENS_PER_SECOND;
    if (!(tokensPerSecond > 0))
      throw new RangeError(`tokensPerSecond must be positive, got ${tokensPerSecond}`);
    this.millisecondsPerCharacter = 1000 / (tokensPerSecond * CHARACTERS_PER_TOKEN);
    this.firstTokenDelayMs = options.firstTokenDelayMs ?? DEFAULT_FIRST_TOKEN_DELAY_MS;
    this.delay = options.delay ?? abortableSleep;
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamPart, void, undefined> {
    const { signal } = request;
    const plan = planReply(request);
    const limit =
      request.maxOutputTokens === undefined
        ? Infinity
        : request.maxOutputTokens * CHARACTERS_PER_TOKEN;
    const text = cutText(plan.text, limit);

    await this.delay(this.firstTokenDelayMs, signal);
    if (signal.aborted) return;
    for (const [type, content] of [
      ['reasoning-delta', plan.reasoning ?? ''],
      ['text-delta', text],
    ] as const) {
      for (const piece of splitIntoTokens(content)) {
        await this.delay(piece.length * this.millisecondsPerCharacter, signal);
        if (signal.aborted) return;
        yield { type, delta: piece };
      }
    }

    const usage = {
      inputTokens: estimateTokens(
        request.system + JSON.stringify(request.turns) + JSON.stringify(request.tools),
      ),
      outputTokens: estimateTokens(
        (plan.reasoning ?? '') + text + (plan.toolCall ? JSON.stringify(plan.toolCall.args) : ''),
      ),
    };
    if (text.length < plan.text.length) {
      yield { type: 'finish', reason: 'length', usage };
      return;
    }
    for (const source of plan.sources ?? []) yield source;
    if (plan.toolCall) {
      yield {
        type: 'tool-call',
        callId: plan.toolCall.callId,
        name: plan.toolCall.name,
        args: plan.toolCall.args,
      };
      yield { type: 'finish', reason: 'tool-calls', usage };
      return;
    }
    yield { type: 'finish', reason: 'stop', usage };
  }
}

/**
 * Word-sized pieces, each word with the spaces after it, as a tokenizer streams them.
 * @example
 * splitIntoTokens('Hello there, Ada.'); // ['Hello ', 'there, ', 'Ada.']
 */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\s+|\S+\s*/g) ?? [];
}

/**
 * About four characters per token, rounded up.
 * @example
 * estimateTokens('Hello there'); // 3
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARACTERS_PER_TOKEN);
}
