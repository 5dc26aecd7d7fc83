/**
 * OpenTelemetry traces (docs/architecture.md §10), on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set:
 * spans are batched and exported as OTLP/HTTP JSON to `<endpoint>/v1/traces`. The provider is
 * this server's own (not registered globally), so nothing else in the process is traced by it and
 * several servers in one test process keep their spans apart.
 */
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface Tracing {
  tracer: Tracer;
  /** Exports what is buffered now (tests, and before a shutdown). */
  flush(): Promise<void>;
  /** Exports what is buffered and stops. */
  close(): Promise<void>;
}

/**
 * Starts exporting spans to an OTLP/HTTP collector.
 * @example const tracing = startTracing({ endpoint: 'http://localhost:4318', serviceName: 'chorus' });
 */
export function startTracing(settings: {
  endpoint: string;
  serviceName: string;
  headers?: Record<string, string>;
  /** How long spans wait to be batched; default 2 s. */
  batchDelayMs?: number;
}): Tracing {
  const exporter = new OTLPTraceExporter({
    url: `${settings.endpoint}/v1/traces`,
    headers: settings.headers ?? {},
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, { scheduledDelayMillis: settings.batchDelayMs ?? 2000 }),
    ],
  });
  return {
    tracer: provider.getTracer('chorus'),
    flush: () => provider.forceFlush(),
    close: () => provider.shutdown(),
  };
}
