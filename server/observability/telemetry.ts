/**
 * What the orchestrator reports about rounds and replies (docs/architecture.md §10): metrics
 * (time to first token, reply duration, tokens, replies streaming) and, when tracing is on, a span
 * per round with a child span per reply carrying the GenAI semantic-convention attributes. The
 * round and the worker call these hooks in small, separate lines; a server without metrics or
 * traces gets {@link NO_TELEMETRY}.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { ChatModel, ChatStreamPart, FinishReason } from '../providers/chat-model.ts';
import type { ChorusMetrics } from './metrics.ts';

/** The reply a run streams, as its span and metrics describe it. */
export interface ReplyDescription {
  roomId: string;
  /** The reply message's id. */
  messageId: string;
  /** The human message that opened the round. */
  triggerMessageId: string;
  agent: string;
  reason: string;
  provider: string;
  model: string;
  maxOutputTokens?: number;
  temperature?: number;
}

/** How a reply ended. */
export interface ReplyEnding {
  status: 'complete' | 'cancelled' | 'error' | 'interrupted' | string;
  error?: string | null;
}

/** One reply's telemetry, from its start (`replyStarted`) to `ended`. */
export interface ReplyTelemetry {
  /** The reply's model, observed: its first token, its calls' finish reasons and token usage. */
  observe(model: ChatModel): ChatModel;
  ended(ending: ReplyEnding): void;
}

export interface Telemetry {
  /** A human message queued `runs` runs: its round begins. */
  roundStarted(round: { roomId: string; messageId: string; runs: number }): void;
  /** No run of the round is queued or running any more (`round-end`). */
  roundEnded(messageId: string): void;
  replyStarted(reply: ReplyDescription): ReplyTelemetry;
}

const NO_REPLY: ReplyTelemetry = { observe: (model) => model, ended: () => {} };

/** Telemetry that records nothing. */
export const NO_TELEMETRY: Telemetry = {
  roundStarted: () => {},
  roundEnded: () => {},
  replyStarted: () => NO_REPLY,
};

/** Rounds this process holds a span for at most, and how long one may stay open. */
const MAX_OPEN_ROUNDS = 1000;
const MAX_ROUND_MS = 15 * 60_000;

/**
 * Telemetry into `metrics` and `tracer` (either may be null).
 * @example const telemetry = createTelemetry({ metrics, tracer: tracing?.tracer ?? null });
 */
export function createTelemetry(parts: {
  metrics: ChorusMetrics | null;
  tracer: Tracer | null;
  now?: () => number;
}): Telemetry {
  const { metrics, tracer } = parts;
  const now = parts.now ?? (() => performance.now());
  const rounds = new Map<string, { span: Span; startedAt: number }>();

  /** Ends rounds kept too long (their last reply ran in another process) and the oldest past the cap. */
  const sweep = () => {
    const at = now();
    for (const [id, round] of rounds) {
      if (rounds.size <= MAX_OPEN_ROUNDS && at - round.startedAt < MAX_ROUND_MS) break;
      round.span.setAttribute('chorus.round.end_unseen', true);
      round.span.end();
      rounds.delete(id);
    }
  };

  return {
    roundStarted({ roomId, messageId, runs }) {
      if (!tracer) return;
      const span = tracer.startSpan('chorus.round', {
        kind: SpanKind.INTERNAL,
        attributes: {
          'chorus.room.id': roomId,
          'chorus.message.id': messageId,
          'chorus.round.runs': runs,
        },
      });
      rounds.set(messageId, { span, startedAt: now() });
      sweep();
    },

    roundEnded(messageId) {
      const round = rounds.get(messageId);
      if (!round) return;
      rounds.delete(messageId);
      round.span.end();
    },

    replyStarted(reply) {
      const startedAt = now();
      const labels = { provider: reply.provider, model: reply.model };
      metrics?.repliesStreaming.inc();
      const round = rounds.get(reply.triggerMessageId);
      const span = tracer?.startSpan(
        `chat ${reply.model}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': reply.provider,
            'gen_ai.system': reply.provider,
            'gen_ai.request.model': reply.model,
            'gen_ai.agent.name': reply.agent,
            'gen_ai.conversation.id': reply.roomId,
            'chorus.message.id': reply.messageId,
            'chorus.reply.reason': reply.reason,
            ...(reply.maxOutputTokens === undefined
              ? {}
              : { 'gen_ai.request.max_tokens': reply.maxOutputTokens }),
            ...(reply.temperature === undefined
              ? {}
              : { 'gen_ai.request.temperature': reply.temperature }),
          },
        },
        round ? trace.setSpan(ROOT_CONTEXT, round.span) : ROOT_CONTEXT,
      );
      const usage = { input: 0, output: 0 };
      const finishReasons: FinishReason[] = [];
      let firstTokenSeen = false;
      let ended = false;

      const onPart = (part: ChatStreamPart) => {
        if (!firstTokenSeen && (part.type === 'text-delta' || part.type === 'reasoning-delta')) {
          firstTokenSeen = true;
          metrics?.timeToFirstToken.observe(labels, (now() - startedAt) / 1000);
          span?.addEvent('gen_ai.first_token');
        } else if (part.type === 'finish') {
          usage.input += part.usage.inputTokens;
          usage.output += part.usage.outputTokens;
          finishReasons.push(part.reason);
          metrics?.tokens.inc({ ...labels, direction: 'input' }, part.usage.inputTokens);
          metrics?.tokens.inc({ ...labels, direction: 'output' }, part.usage.outputTokens);
        }
      };

      return {
        observe: (model) => ({
          provider: model.provider,
          stream: (request) => observeStream(model.stream(request), onPart),
        }),
        ended({ status, error }) {
          if (ended) return;
          ended = true;
          metrics?.repliesStreaming.dec();
          metrics?.replyDuration.observe({ ...labels, status }, (now() - startedAt) / 1000);
          if (!span) return;
          span.setAttributes({
            'gen_ai.usage.input_tokens': usage.input,
            'gen_ai.usage.output_tokens': usage.output,
            'gen_ai.response.finish_reasons': finishReasons,
            'chorus.reply.status': status,
          });
          if (status === 'error')
            span.setStatus({ code: SpanStatusCode.ERROR, message: error ?? 'reply failed' });
          span.end();
        },
      };
    },
  };
}

/** Passes every part of `parts` through, telling `onPart` of each first. */
async function* observeStream(
  parts: AsyncIterable<ChatStreamPart>,
  onPart: (part: ChatStreamPart) => void,
): AsyncIterable<ChatStreamPart> {
  for await (const part of parts) {
    onPart(part);
    yield part;
  }
}
