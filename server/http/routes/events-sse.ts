import { Router, type Request, type RequestHandler } from 'express';
import type { Message } from '../../../protocol/room.ts';
import type { Logger } from '../../lib/logger.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';
import { parseInput } from '../parse-input.ts';
import { roomContext } from '../request-context.ts';
import type { RoomEventSource, RoomService, RoomStore } from '../room-service.ts';
import { EventCursor, eventsStreamQuerySchema } from './event-cursor.ts';
import { freshCursor, replay, type ReplayedEvent } from './events-replay.ts';

export interface EventsRouteDependencies {
  events: RoomEventSource;
  /** The transcript a resumed stream replays from. */
  store: Pick<RoomStore, 'transcript'>;
  /** The live state of replies in flight. */
  rooms: Pick<RoomService, 'liveMessage'>;
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

/** The `Last-Event-ID` to resume after: the header (what EventSource sends on reconnect), else `?lastEventId=`. */
function lastEventIdOf(request: Request): string | undefined {
  const query = parseInput(eventsStreamQuerySchema, request.query, 'query');
  const id = request.get('last-event-id') ?? query.lastEventId;
  return id === undefined || id.trim() === '' ? undefined : id.trim();
}

function refusedId(cause: 'malformed' | 'other_room'): HttpError {
  return new HttpError(
    400,
    ERROR_CODE.INVALID_REQUEST,
    cause === 'other_room'
      ? "Last-Event-ID is an id of another room's event stream; reconnect without it"
      : "Last-Event-ID is not an id this room's event stream gave out; reconnect without it",
  );
}

/**
 * `GET /api/rooms/:room/events`: the room's broadcasts as Server-Sent Events, for consumers that
 * do not speak Realtime. Each broadcast is one event (`id:` the stream's position, `event:` its
 * name, `data:` its JSON payload); a comment every `heartbeatMs` keeps proxies from closing an
 * idle stream. The stream starts with a `: connected` comment once the subscription is live, ends
 * when the client disconnects (the subscription is released) and when a room token expires (the
 * client reconnects with a fresh one).
 *
 * Resumption: the `id:` describes the client's position in the room ({@link EventCursor}: the
 * transcript position, and each reply in flight's `seq` and text length). A stream opened with
 * `Last-Event-ID` (or `?lastEventId=`) subscribes first and buffers, replays what was missed from
 * the persisted state (events-replay.ts), then sends the buffer without what the replay covered,
 * then goes live: every reply's text exactly once. Broadcasts that are not messages (typing,
 * summaries, status) are not replayed. Like every broadcast, events are hints: the record is
 * `GET /api/rooms/:room/messages` (docs/architecture.md §3).
 */
export function eventsRoutes(deps: EventsRouteDependencies): Router {
  const router = Router();
  router.get('/api/rooms/:room/events', deps.access, async (request, response) => {
    const { room, grant, requestId } = roomContext(response);
    const lastEventId = lastEventIdOf(request);
    const resumed = lastEventId === undefined ? null : EventCursor.parse(lastEventId, room.id);
    if (typeof resumed === 'string') throw refusedId(resumed);
    let ended = false;
    /** Broadcasts received before the replay is sent; null once live. */
    let buffered: Array<[string, unknown]> | null = [];
    let cursor: EventCursor | undefined;
    const write = (chunk: string) => {
      if (ended) return;
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
    const unsubscribe = await subscribeToRoom(deps.events, room.id, (event, payload) => {
      if (/[\r\n]/.test(event)) return; // cannot be framed as an SSE event name
      if (buffered) buffered.push([event, payload]);
      else send(event, payload);
    });
    const send = (event: string, payload: unknown) => {
      if (!cursor!.accept(event, payload)) return;
      write(
        `id: ${cursor!.format(room.id)}\nevent: ${event}\ndata: ${JSON.stringify(payload)}\n\n`,
      );
    };
    let replayed: ReplayedEvent[] = [];
    /** The position before anything is sent (the replay advances the cursor). */
    let startId = lastEventId;
    try {
      const source = {
        transcript: deps.store.transcript,
        liveMessage: (message: Message) => deps.rooms.liveMessage(message),
      };
      if (resumed) {
        const missed = await replay(source, room.id, resumed);
        if (missed === 'other_room') throw refusedId(missed);
        replayed = missed;
        cursor = resumed;
      } else {
        cursor = await freshCursor(source, room.id);
        startId = cursor.format(room.id);
      }
    } catch (error) {
      await unsubscribe().catch(() => {});
      throw error;
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
    // The `id:` here gives browsers the position before any event arrives.
    response.write(`retry: ${RECONNECT_MS}\nid: ${startId}\n: connected to room ${room.id}\n\n`);
    for (const { id, event, data } of replayed) {
      write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    }
    const early = buffered;
    buffered = null;
    for (const [event, payload] of early) send(event, payload);

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

/** Subscribes to a room's broadcasts; a realtime that cannot subscribe is a 503 to the client. */
export async function subscribeToRoom(
  events: RoomEventSource,
  roomId: string,
  listener: Parameters<RoomEventSource['subscribe']>[1],
): Promise<() => Promise<void>> {
  try {
    return await events.subscribe(roomId, listener);
  } catch (error) {
    throw new HttpError(
      503,
      ERROR_CODE.REALTIME_UNAVAILABLE,
      "The room's event stream is unavailable right now; try again shortly",
      { cause: error },
    );
  }
}
