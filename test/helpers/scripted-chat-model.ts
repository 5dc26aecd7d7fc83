import type { ChatModel, ChatRequest, ChatStreamPart } from '../../server/providers/chat-model.ts';
import { abortableSleep } from '../../server/lib/abortable-sleep.ts';
import { ProviderError } from '../../server/providers/provider-error.ts';

/**
 * One step of a scripted model call: a part to yield, a pause (`wait`, on the timers, so vitest's
 * fake timers drive it), or a `gate` the stream waits at until the test opens it.
 */
export type ScriptStep =
  ChatStreamPart | { type: 'wait'; ms: number } | { type: 'gate'; gate: Gate };

/** A point a scripted stream waits at: `reached` resolves when the stream gets there, `open()` lets it go on. */
export interface Gate {
  readonly reached: Promise<void>;
  open(): void;
  /** Called by the model; tests use `reached` and `open`. */
  arrive(): Promise<void>;
}

export function gate(): Gate {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const opened = new Promise<void>((resolve) => (release = resolve));
  return {
    reached,
    open: () => release(),
    arrive: () => {
      reach();
      return opened;
    },
  };
}

/**
 * A {@link ChatModel} that replays scripts, one per call, in the order given, and records every
 * request. Like a real adapter it never throws, ends without an `error` part once the request's
 * signal aborts, and a call past the last script fails with a non-retryable {@link ProviderError}.
 * @example
 * const model = new ScriptedChatModel([replyParts('Hel', 'lo'), [failure(429)]]);
 */
export class ScriptedChatModel implements ChatModel {
  readonly provider = 'scripted';
  /** Every request as the model received it (turns copied: the caller goes on appending to its own array). */
  readonly requests: ChatRequest[] = [];
  private readonly scripts: ScriptStep[][];

  constructor(scripts: ScriptStep[][] = []) {
    this.scripts = [...scripts];
  }

  /** Adds scripts for the calls after those already queued. */
  enqueue(...scripts: ScriptStep[][]): void {
    this.scripts.push(...scripts);
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamPart, void, undefined> {
    this.requests.push({
      ...request,
      turns: structuredClone(request.turns),
      tools: [...request.tools],
    });
    const script = this.scripts.shift() ?? [
      failure(undefined, 'the scripted model has no script left', false),
    ];
    for (const step of script) {
      if (request.signal.aborted) return;
      if (step.type === 'wait') await abortableSleep(step.ms, request.signal);
      else if (step.type === 'gate')
        await Promise.race([step.gate.arrive(), aborted(request.signal)]);
      else yield step;
    }
  }
}

/** The parts of a plain reply: each text as a delta, then `finish` with `usage`. */
export function replyParts(...deltas: string[]): ChatStreamPart[] {
  return [...deltas.map((delta): ChatStreamPart => ({ type: 'text-delta', delta })), finish()];
}

export function finish(
  usage = { inputTokens: 10, outputTokens: 5 },
  reason: 'stop' | 'tool-calls' = 'stop',
): ChatStreamPart {
  return { type: 'finish', reason, usage };
}

/** An `error` part: by default retryable (a 429, or a connection error without a status). */
export function failure(
  statusCode?: number,
  message = `provider failed${statusCode ? ` with ${statusCode}` : ''}`,
  isRetryable?: boolean,
  retryAfterMs?: number,
): ChatStreamPart {
  return {
    type: 'error',
    error: new ProviderError({
      provider: 'scripted',
      message,
      ...(statusCode === undefined ? {} : { statusCode }),
      ...(isRetryable === undefined ? {} : { isRetryable }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    }),
  };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}
