export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, event: string, fields?: Record<string, unknown>) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function serialise(value: unknown): unknown {
  if (value instanceof Error)
    return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/** A structured logger: one JSON line per event at or above `minimum`. */
export function createLogger(
  minimum: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  return (level, event, fields = {}) => {
    if (RANK[level] < RANK[minimum]) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, event };
    for (const [key, value] of Object.entries(fields)) entry[key] = serialise(value);
    write(`${JSON.stringify(entry)}\n`);
  };
}
