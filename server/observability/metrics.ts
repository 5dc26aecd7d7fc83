/**
 * The server's Prometheus metrics (docs/architecture.md §10), in a registry of its own (several
 * servers in one test process never share counts). Label values are bounded sets only: a
 * provider, a model and an agent's status from the personas' files, an event or statement kind
 * from the code; never a room id or anyone's text. The gauges read their sources at scrape time.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the gauges read when `/metrics` is scraped; a part that is absent reports nothing. */
export interface MetricSources {
  /** The embedded hub's open sockets, joined channels and rooms with someone in them. */
  hub?: () => { connections: number; channels: number; topics: number };
  /** Runs waiting in `agent_runs` (every process's). */
  queueDepth?: () => Promise<number>;
}

/** Reply durations and first tokens: from tens of milliseconds to a slow model's minutes. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120];
/** Database writes: from a fraction of a millisecond to a stalled second. */
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The metrics of one server and the registry `/metrics` renders. */
export class ChorusMetrics {
  readonly registry = new Registry();
  private sources: MetricSources = {};

  readonly repliesStreaming = new Gauge({
    name: 'chorus_replies_streaming',
    help: 'Agent replies this process is streaming now',
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'chorus_tokens_total',
    help: 'Model tokens used, by provider, model and direction (input or output)',
    labelNames: ['provider', 'model', 'direction'] as const,
    registers: [this.registry],
  });
  readonly timeToFirstToken = new Histogram({
    name: 'chorus_time_to_first_token_seconds',
    help: "From a reply's start to its model's first text or reasoning token",
    labelNames: ['provider', 'model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly replyDuration = new Histogram({
    name: 'chorus_reply_duration_seconds',
    help: 'From a reply starting to its end, by how it ended (complete, cancelled, error)',
    labelNames: ['provider', 'model', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly broadcasts = new Counter({
    name: 'chorus_broadcasts_total',
    help: 'Room broadcasts sent, by event',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  readonly dbWrites = new Histogram({
    name: 'chorus_db_write_duration_seconds',
    help: 'Database writes (insert, update, delete) and transactions, by kind',
    labelNames: ['operation'] as const,
    buckets: DB_BUCKETS,
    registers: [this.registry],
  });
  readonly webhookAttempts = new Counter({
    name: 'chorus_webhook_attempts_total',
    help: 'Webhook delivery attempts, by event type and outcome (delivered, retry, failed)',
    labelNames: ['type', 'result'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'chorus_rate_limited_total',
    help: 'Requests refused by a rate limit, by limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  constructor() {
    const sources = () => this.sources;
    new Gauge({
      name: 'chorus_connections',
      help: 'Open realtime sockets on the embedded hub',
      registers: [this.registry],
      collect() {
        const hub = sources().hub;
        if (hub) this.set(hub().connections);
      },
    });
    new Gauge({
      name: 'chorus_channels',
      help: 'Channels joined on the embedded hub',
      registers: [this.registry],
      collect() {
        const hub = sources().hub;
        if (hub) this.set(hub().channels);
      },
    });
    new Gauge({
      name: 'chorus_active_rooms',
      help: 'Rooms with someone joined or present on the embedded hub',
      registers: [this.registry],
      collect() {
        const hub = sources().hub;
        if (hub) this.set(hub().topics);
      },
    });
    new Gauge({
      name: 'chorus_run_queue_depth',
      help: 'Agent runs queued and not yet claimed, across every process',
      registers: [this.registry],
      async collect() {
        const depth = sources().queueDepth;
        if (depth) this.set(await depth());
      },
    });
    // Event-loop delay (nodejs_eventloop_lag_*), memory, CPU and handles, with prom-client's names.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the gauges read from, once the parts exist (the composition root's last step). */
  watch(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
