/**
 * The operations parts of one server (docs/architecture.md §10), built from its settings in one
 * call so the composition root wires them in a few lines: the metrics and `/metrics`, the traces
 * (when `OTEL_EXPORTER_OTLP_ENDPOINT` is set), the round and reply telemetry, and where the
 * rate limits count.
 */
import { memoryRateLimiters, type RateLimiterFactory } from '../auth/rate-limit.ts';
import type { OperationsSettings } from '../config.ts';
import type { RoomBus } from '../realtime/room-bus.ts';
import { postgresRateLimiters } from '../store/postgres-rate-limits.ts';
import type { Sql, SqlExecutor } from '../store/sql.ts';
import { countBroadcasts, countRefusals, instrumentSql } from './instrument.ts';
import { ChorusMetrics } from './metrics.ts';
import { createTelemetry, type Telemetry } from './telemetry.ts';
import { startTracing, type Tracing } from './tracing.ts';

export interface Observability {
  metrics: ChorusMetrics;
  /** Null when tracing is off. */
  tracing: Tracing | null;
  telemetry: Telemetry;
  /** What `createApp` takes for `GET /metrics`. */
  route: { metrics: ChorusMetrics; metricsToken: string | null };
  /** The database with its writes timed. */
  instrumentSql(sql: Sql): Sql;
  /** The bus with its broadcasts counted. */
  countBroadcasts<Bus extends RoomBus>(bus: Bus): Bus;
  /** The rate limiters over `sql` (shared) or in memory, as configured, with refusals counted. */
  rateLimiters(sql: SqlExecutor): RateLimiterFactory;
  /** Points the gauges at the running parts. */
  watch(parts: {
    hub: { stats(): { connections: number; topics: number; channels: number } } | null;
    sql: SqlExecutor;
  }): void;
  /** Exports the spans still buffered and stops tracing. */
  close(): Promise<void>;
}

/**
 * @example
 * const observability = createObservability(config.operations);
 * const sql = observability.instrumentSql(await openDatabase(config, log));
 */
export function createObservability(settings: OperationsSettings): Observability {
  const metrics = new ChorusMetrics();
  const tracing = settings.otlpEndpoint
    ? startTracing({
        endpoint: settings.otlpEndpoint,
        serviceName: settings.serviceName,
        headers: settings.otlpHeaders,
      })
    : null;
  return {
    metrics,
    tracing,
    telemetry: createTelemetry({ metrics, tracer: tracing?.tracer ?? null }),
    route: { metrics, metricsToken: settings.metricsToken },
    instrumentSql: (sql) => instrumentSql(sql, metrics),
    countBroadcasts: (bus) => countBroadcasts(bus, metrics),
    rateLimiters: (sql) =>
      countRefusals(
        settings.rateLimitStore === 'postgres' ? postgresRateLimiters(sql) : memoryRateLimiters(),
        metrics,
      ),
    watch({ hub, sql }) {
      metrics.watch({
        ...(hub ? { hub: () => hub.stats() } : {}),
        queueDepth: async () => {
          const { rows } = await sql.query<{ depth: number }>(
            "select count(*)::int as depth from agent_runs where status = 'queued'",
          );
          return rows[0]?.depth ?? 0;
        },
      });
    },
    close: async () => {
      await tracing?.close();
    },
  };
}
