/**
 * Operations (docs/architecture.md §10): `/metrics` read as Prometheus text after a real round
 * on a whole server (hub, PGlite, the shipped offline personas), who may read it, and the round →
 * reply span tree exported as OTLP/HTTP JSON to a real HTTP receiver in this test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startChorusServer } from '../helpers/chorus-server.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { waitFor } from '../helpers/wait-for.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format (version 0.0.4): `# TYPE` lines and `name{label="value"} number` samples. */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g,
    ))
      labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return { types, samples };
}

function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((total, sample) => total + sample.value, 0);
}

async function roundEnded(visitor: RoomVisitor, messageId: string): Promise<void> {
  await waitFor(
    () =>
      visitor.events.some(
        (event) =>
          event.event === 'round-end' && (event.payload as { id?: string }).id === messageId,
      ),
    { timeoutMs: 15_000 },
  );
}

describe('GET /metrics', () => {
  it('reports connections, channels, tokens, time to first token and event-loop delay after a round', async () => {
    const server = await startChorusServer({ env: { CHORUS_OFFLINE_TOKENS_PER_SECOND: '400' } });
    cleanups.push(() => server.close());
    const visitor = await RoomVisitor.join(server.url, 'metrics-room', 'Ada');
    cleanups.push(() => visitor.disconnect());
    const posted = await visitor.post('@sage what do you make of this?');
    await roundEnded(visitor, posted.id);

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples } = parsePrometheus(await response.text());

    expect(sum(samples, 'chorus_connections')).toBeGreaterThanOrEqual(1);
    expect(sum(samples, 'chorus_channels')).toBeGreaterThanOrEqual(1);
    expect(sum(samples, 'chorus_active_rooms')).toBeGreaterThanOrEqual(1);
    expect(sum(samples, 'chorus_replies_streaming')).toBe(0);
    expect(sum(samples, 'chorus_run_queue_depth')).toBe(0);

    expect(types.get('chorus_tokens_total')).toBe('counter');
    const output = samples.filter(
      (sample) => sample.name === 'chorus_tokens_total' && sample.labels.direction === 'output',
    );
    expect(output.length).toBeGreaterThan(0);
    expect(output[0]!.labels.provider).toBe('offline');
    expect(sum(samples, 'chorus_tokens_total', { direction: 'output' })).toBeGreaterThan(0);

    expect(types.get('chorus_time_to_first_token_seconds')).toBe('histogram');
    expect(sum(samples, 'chorus_time_to_first_token_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sum(samples, 'chorus_time_to_first_token_seconds_sum')).toBeGreaterThan(0);
    const infBucket = samples.find(
      (sample) =>
        sample.name === 'chorus_time_to_first_token_seconds_bucket' && sample.labels.le === '+Inf',
    );
    expect(infBucket?.value).toBeGreaterThanOrEqual(1);
    expect(
      sum(samples, 'chorus_reply_duration_seconds_count', { status: 'complete' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sum(samples, 'chorus_broadcasts_total', { event: 'message-end' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sum(samples, 'chorus_db_write_duration_seconds_count', { operation: 'insert' }),
    ).toBeGreaterThan(0);

    expect(types.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
    expect(samples.some((sample) => sample.name === 'nodejs_eventloop_lag_p99_seconds')).toBe(true);

    // No room id or message text in any label value.
    const labelValues = samples.flatMap((sample) => Object.values(sample.labels)).join('\n');
    expect(labelValues).not.toContain('metrics-room');
    expect(labelValues).not.toContain('what do you make');
  });

  it('needs the admin key or the metrics token when the scrape did not come straight from this machine', async () => {
    const metricsToken = 'metrics-token-0123456789abcdef0123456789';
    const server = await startChorusServer({ env: { CHORUS_METRICS_TOKEN: metricsToken } });
    cleanups.push(() => server.close());
    const scrape = (headers: Record<string, string>) =>
      fetch(`${server.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9', ...headers } });

    const anonymous = await scrape({});
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe(
      'unauthorized',
    );
    const wrong = await scrape({ authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).not.toContain('chorus_');
    const withToken = await scrape({ authorization: `Bearer ${metricsToken}` });
    expect(withToken.status).toBe(200);
    expect(await withToken.text()).toContain('# TYPE chorus_connections gauge');
    const withAdminKey = await scrape({ authorization: `Bearer ${server.adminKey}` });
    expect(withAdminKey.status).toBe(200);
  });
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** A real OTLP/HTTP receiver: collects the spans of every JSON `POST /v1/traces`. */
async function startOtlpReceiver(): Promise<{
  url: string;
  spans: OtlpSpan[];
  close(): Promise<void>;
}> {
  const spans: OtlpSpan[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') {
        expect(request.headers['content-type']).toMatch(/application\/json/);
        const payload = JSON.parse(body) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
        };
        for (const resource of payload.resourceSpans)
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An OTLP attribute's value (`stringValue`, `intValue` as a string or number, `arrayValue`). */
function attribute(span: OtlpSpan, key: string): unknown {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  if (!value) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('arrayValue' in value)
    return ((value.arrayValue as { values?: Array<{ stringValue: string }> }).values ?? []).map(
      (item) => item.stringValue,
    );
  return value;
}

describe('OpenTelemetry traces', () => {
  it('exports a round span with a child span per reply carrying gen_ai attributes', async () => {
    const receiver = await startOtlpReceiver();
    cleanups.push(() => receiver.close());
    const server = await startChorusServer({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, CHORUS_OFFLINE_TOKENS_PER_SECOND: '400' },
    });
    cleanups.push(() => server.close());
    const visitor = await RoomVisitor.join(server.url, 'traced-room', 'Ada');
    cleanups.push(() => visitor.disconnect());
    const posted = await visitor.post('@sage @scout both of you, please');
    await roundEnded(visitor, posted.id);

    const round = await waitFor(
      () =>
        receiver.spans.find(
          (span) =>
            span.name === 'chorus.round' && attribute(span, 'chorus.message.id') === posted.id,
        ),
      { timeoutMs: 10_000 },
    );
    const replies = await waitFor(
      () => {
        const children = receiver.spans.filter((span) => span.parentSpanId === round.spanId);
        return children.length >= 2 ? children : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(attribute(round, 'chorus.round.runs')).toBe(2);
    expect(replies.map((span) => attribute(span, 'gen_ai.agent.name')).sort()).toEqual([
      'sage',
      'scout',
    ]);
    for (const reply of replies) {
      expect(reply.traceId).toBe(round.traceId);
      expect(reply.name).toBe(`chat ${String(attribute(reply, 'gen_ai.request.model'))}`);
      expect(attribute(reply, 'gen_ai.operation.name')).toBe('chat');
      expect(attribute(reply, 'gen_ai.provider.name')).toBe('offline');
      expect(attribute(reply, 'gen_ai.usage.output_tokens')).toBeGreaterThan(0);
      expect(attribute(reply, 'gen_ai.usage.input_tokens')).toBeGreaterThan(0);
      // Every model call's reason: a persona that looked something up first ends two calls.
      expect([['stop'], ['tool-calls', 'stop']]).toContainEqual(
        attribute(reply, 'gen_ai.response.finish_reasons'),
      );
      expect(attribute(reply, 'chorus.reply.status')).toBe('complete');
    }
    // Spans carry ids, never what people wrote.
    expect(JSON.stringify(receiver.spans)).not.toContain('both of you');
  });
});
