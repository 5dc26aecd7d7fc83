import { Router, type RequestHandler } from 'express';
import type { Logger } from '../../lib/logger.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';
import { roomContext } from '../request-context.ts';
import type { RoomEventSource } from '../room-service.ts';

export interface EventsRouteDependencies {
  events: RoomEventSource;
  /** The room-access middleware, accepting `?access_token=` too (EventSource cannot set headers). */
  access: RequestHandler;
  log: Logger;
  heartbeatMs: number;
  now: () => number;
}

/** A client this far behind (bytes buffered for it) is cut off; it reconnects and catches up by REST. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** How soon an EventSource reconnects after the stream ends. */
const RECONNECT_MS = 3000;
/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `GET /api/rooms/:room/events`: the room's broadcasts as Server-Sent Events, for consumers that
 * do not speak Realtime. Each broadcast is one event (`event:` its name, `data:` its JSON
 * payload); a comment every `heartbeatMs` keeps proxies from closing an idle stream. The stream
 * starts with a `: connected` comment once the subscription is live, ends when the client
 * disconnects (the subscription is released) and when a room token expires (the client
 * reconnects with a fresh one). Like every broadcast, events are hints: catch up with
 * `GET /api/rooms/:room/messages` (docs/architecture.md §3).
 */
export function eventsRoutes(deps: EventsRouteDependencies): Router {
  const router = Router();
  router.get('/api/rooms/:room/events', deps.access, async (request, response) => {
    const { room, grant, requestId } = roomContext(response);
    let open = false;
    let ended = false;
    const early: string[] = [];
    const write = (chunk: string) => {
      if (ended) return;
      if (!open) {
        early.push(chunk);
        return;
      }
      response.write(chunk);
      if (response.writableLength > MAX_BUFFERED_BYTES) {
        deps.log('warn', 'http.sse_slow_client', { requestId, roomId: room.id });
        end();
      }
    };
    const end = () => {
      if (ended) return;
      ended = true;
      response.end();
    };

    if (request.method === 'HEAD') {
      response.status(200).type('text/event-stream').end();
      return;
    }
    let unsubscribe: () => Promise<void>;
    try {
      unsubscribe = await deps.events.subscribe(room.id, (event, payload) => {
        if (/[\r\n]/.test(event)) return; // cannot be framed as an SSE event name
        write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
      });
    } catch (error) {
      throw new HttpError(
        503,
        ERROR_CODE.REALTIME_UNAVAILABLE,
        "The room's event stream is unavailable right now; try again shortly",
        { cause: error },
      );
    }
    const timers: NodeJS.Timeout[] = [];
    const release = () => {
      ended = true;
      for (const timer of timers) clearTimeout(timer);
      unsubscribe().catch((error: unknown) =>
        deps.log('warn', 'http.sse_unsubscribe_failed', { requestId, roomId: room.id, error }),
      );
    };
    if (request.destroyed || response.closed) {
      release(); // the client left while we subscribed
      return;
    }
    response.once('close', release);

    response.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    response.write(`retry: ${RECONNECT_MS}\n: connected to room ${room.id}\n\n`);
    open = true;
    for (const chunk of early.splice(0)) write(chunk);

    const heartbeat = setInterval(() => write(': heartbeat\n\n'), deps.heartbeatMs);
    heartbeat.unref();
    timers.push(heartbeat);
    if (grant.kind === 'room') {
      const expiry = setTimeout(
        () => {
          write(': token expired\n\n');
          end();
        },
        Math.min(MAX_TIMER_MS, Math.max(0, grant.expiresAt * 1000 - deps.now())),
      );
      expiry.unref();
      timers.push(expiry);
    }
  });
  return router;
}
