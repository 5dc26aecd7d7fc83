import { SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import type { ChatModel, ChatStreamPart } from '../providers/chat-model.ts';
import { ChorusMetrics } from './metrics.ts';
import { createTelemetry } from './telemetry.ts';

function tracer() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { tracer: provider.getTracer('test'), spans: () => exporter.getFinishedSpans() };
}

/** A model that streams `parts` as given. */
function scripted(parts: ChatStreamPart[]): ChatModel {
  return {
    provider: 'offline',
    async *stream() {
      yield* parts;
    },
  };
}

const reply = {
  roomId: 'lobby',
  messageId: 'reply-1',
  triggerMessageId: 'post-1',
  agent: 'sage',
  reason: 'mention',
  provider: 'offline',
  model: 'sage-1',
};

async function drain(model: ChatModel): Promise<void> {
  for await (const part of model.stream({} as never)) void part;
}

describe('createTelemetry', () => {
  it('marks a failed reply span as an error, counts it once however often it is ended, and leaves replies streaming at 0', async () => {
    const metrics = new ChorusMetrics();
    const { tracer: t, spans } = tracer();
    const telemetry = createTelemetry({ metrics, tracer: t });
    telemetry.roundStarted({ roomId: 'lobby', messageId: 'post-1', runs: 1 });
    const started = telemetry.replyStarted(reply);
    expect((await metrics.repliesStreaming.get()).values[0]!.value).toBe(1);
    await drain(
      started.observe(
        scripted([
          { type: 'text-delta', delta: 'Hel' },
          { type: 'finish', reason: 'length', usage: { inputTokens: 7, outputTokens: 3 } },
        ]),
      ),
    );
    started.ended({ status: 'error', error: 'The model stopped: output limit' });
    started.ended({ status: 'error', error: 'again' }); // the worker's finally: a no-op
    telemetry.roundEnded('post-1');

    expect((await metrics.repliesStreaming.get()).values[0]!.value).toBe(0);
    const durations = (await metrics.replyDuration.get()).values.filter((value) =>
      value.metricName?.endsWith('_count'),
    );
    expect(durations.map((value) => [value.labels.status, value.value])).toEqual([['error', 1]]);
    const [replySpan, roundSpan] = spans();
    expect(replySpan!.name).toBe('chat sage-1');
    expect(replySpan!.parentSpanContext?.spanId).toBe(roundSpan!.spanContext().spanId);
    expect(replySpan!.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'The model stopped: output limit',
    });
    expect(replySpan!.attributes['gen_ai.response.finish_reasons']).toEqual(['length']);
    expect(replySpan!.attributes['gen_ai.usage.output_tokens']).toBe(3);
    expect(replySpan!.events.map((event) => event.name)).toEqual(['gen_ai.first_token']);
  });

  it('ends a round span whose end it never saw after 15 minutes, so open rounds stay bounded', () => {
    let now = 0;
    const { tracer: t, spans } = tracer();
    const telemetry = createTelemetry({ metrics: null, tracer: t, now: () => now });
    telemetry.roundStarted({ roomId: 'lobby', messageId: 'ended-elsewhere', runs: 2 });
    now += 15 * 60_000;
    telemetry.roundStarted({ roomId: 'lobby', messageId: 'next', runs: 1 });
    expect(spans().map((span) => span.attributes['chorus.message.id'])).toEqual([
      'ended-elsewhere',
    ]);
    expect(spans()[0]!.attributes['chorus.round.end_unseen']).toBe(true);
  });

  it('a reply whose round is not in this process starts a trace of its own', () => {
    const { tracer: t, spans } = tracer();
    const telemetry = createTelemetry({ metrics: null, tracer: t });
    telemetry.replyStarted({ ...reply, triggerMessageId: 'taken-elsewhere' }).ended({
      status: 'complete',
    });
    expect(spans()[0]!.parentSpanContext).toBeUndefined();
  });
});
