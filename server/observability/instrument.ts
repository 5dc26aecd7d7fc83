/**
 * Wrappers that time and count what the metrics of docs/architecture.md §10 need from parts that
 * know nothing of metrics: the database's writes and the bus's broadcasts.
 */
import type { RateLimitDecision, RateLimiterFactory } from '../auth/rate-limit.ts';
import type { RoomBus } from '../realtime/room-bus.ts';
import type { Sql, SqlExecutor } from '../store/sql.ts';
import type { ChorusMetrics } from './metrics.ts';

const WRITE = /^\s*(insert|update|delete)\b/i;

/** The statement's kind when it writes (`insert`, `update`, `delete`), else null. */
function writeKind(text: string): string | null {
  return WRITE.exec(text)?.[1]?.toLowerCase() ?? null;
}

function timedExecutor(executor: SqlExecutor, metrics: ChorusMetrics): SqlExecutor {
  return {
    async query(text, params) {
      const kind = writeKind(text);
      if (kind === null) return executor.query(text, params);
      const stop = metrics.dbWrites.startTimer({ operation: kind });
      try {
        return await executor.query(text, params);
      } finally {
        stop();
      }
    },
    exec: (script) => executor.exec(script),
  };
}

/**
 * `sql` with its writes timed into `chorus_db_write_duration_seconds`: each insert, update and
 * delete statement (inside transactions too), and each transaction as a whole (`transaction`).
 * @example const store = createPostgresStores(instrumentSql(sql, metrics));
 */
export function instrumentSql(sql: Sql, metrics: ChorusMetrics): Sql {
  const timed = timedExecutor(sql, metrics);
  return {
    query: timed.query,
    exec: timed.exec,
    async transaction(work) {
      const stop = metrics.dbWrites.startTimer({ operation: 'transaction' });
      try {
        return await sql.transaction((tx) => work(timedExecutor(tx, metrics)));
      } finally {
        stop();
      }
    },
    listen: (channel, onNotify) => sql.listen(channel, onNotify),
    close: () => sql.close(),
  };
}

/**
 * Counts the bus's broadcasts (to rooms and to support inboxes) by event into
 * `chorus_broadcasts_total` (the event names are the protocol's: a bounded set). Wraps the
 * methods on the bus itself, so every holder counts.
 */
export function countBroadcasts<Bus extends RoomBus>(bus: Bus, metrics: ChorusMetrics): Bus {
  const broadcast = bus.broadcast.bind(bus);
  const broadcastToInbox = bus.broadcastToInbox.bind(bus);
  bus.broadcast = (roomId, event, payload) => {
    metrics.broadcasts.inc({ event });
    return broadcast(roomId, event, payload);
  };
  bus.broadcastToInbox = (roomId, event, payload) => {
    metrics.broadcasts.inc({ event });
    return broadcastToInbox(roomId, event, payload);
  };
  return bus;
}

/** `limiters` whose refusals are counted into `chorus_rate_limited_total` by the limit's name. */
export function countRefusals(
  limiters: RateLimiterFactory,
  metrics: ChorusMetrics,
): RateLimiterFactory {
  return (name, options) => {
    const limiter = limiters(name, options);
    const count = (decision: RateLimitDecision) => {
      if (!decision.allowed) metrics.rateLimited.inc({ limit: name });
      return decision;
    };
    return {
      limit: limiter.limit,
      hit(key) {
        const decision = limiter.hit(key);
        return decision instanceof Promise ? decision.then(count) : count(decision);
      },
    };
  };
}
