/**
 * Structured logs (docs/architecture.md §10): one JSON line per event, written by `pino`. The
 * call sites keep one shape, `log(level, event, fields)`; {@link childLogger} binds fields (a
 * request's id, a run's room and agent) to every line of a part. Errors keep their `name`,
 * `message`, `stack`, `code`, `status` and `cause` chain; tokens, keys, secrets, passwords and
 * `authorization` headers are redacted wherever they sit in the fields.
 */
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, event: string, fields?: Record<string, unknown>) => void;

/** Field names whose values never reach a log line (compared lower-case, `_` and `-` ignored). */
const SECRET_NAME =
  /(token|secret|password|passwd|apikey|authorization|cookie|servicekey|anonkey|adminkey|jwt)$/;
const REDACTED = '[redacted]';
const MAX_DEPTH = 6;

function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name.toLowerCase().replace(/[_-]/g, ''));
}

/** An error as plain fields, its `cause` chain included (depth-limited: causes may cycle). */
function serialiseError(error: Error, depth: number): Record<string, unknown> {
  const entry: Record<string, unknown> = { name: error.name, message: error.message };
  const extra = error as Error & { code?: unknown; status?: unknown };
  if (extra.code !== undefined) entry.code = extra.code;
  if (extra.status !== undefined) entry.status = extra.status;
  entry.stack = error.stack;
  if (error.cause !== undefined) entry.cause = serialise(error.cause, depth + 1);
  if (error instanceof AggregateError)
    entry.errors = error.errors.map((inner: unknown) => serialise(inner, depth + 1));
  return entry;
}

/** A field value made safe for a line: errors unfolded, secrets redacted, depth bounded. */
function serialise(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return serialiseError(value, depth);
  if (Array.isArray(value)) return value.map((item) => serialise(item, depth + 1));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const entry: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value))
      entry[key] = isSecretName(key) ? REDACTED : serialise(inner, depth + 1);
    return entry;
  }
  return value;
}

/**
 * A logger writing one JSON line per event at or above `minimum` through pino (`time`, `level`
 * as a name, `event`, then the fields).
 * @example const log = createLogger('info'); log('error', 'store.failed', { error });
 */
export function createLogger(
  minimum: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  const logger = pino(
    {
      level: minimum,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write },
  );
  return (level, event, fields = {}) => {
    if (!logger.isLevelEnabled(level)) return;
    logger[level]({ event, ...(serialise(fields) as Record<string, unknown>) });
  };
}

/**
 * A logger that adds `bindings` to every line of `log` (a request's or a run's): the per-part
 * child of docs/architecture.md §10. Fields given at the call win over the bindings.
 * @example const runLog = childLogger(log, { runId: run.id, roomId: run.roomId });
 */
export function childLogger(log: Logger, bindings: Record<string, unknown>): Logger {
  return (level, event, fields = {}) => log(level, event, { ...bindings, ...fields });
}
