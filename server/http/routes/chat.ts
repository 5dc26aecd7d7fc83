import { createHash } from 'node:crypto';
import { Router, type Request, type RequestHandler } from 'express';
import { isStaffRole } from '../../../protocol/room.ts';
import { chatRequestSchema, uiMessageText } from '../../../protocol/schemas/chat.ts';
import type { UiMessageChunk } from '../../../protocol/schemas/chat.ts';
import type { RateLimiter } from '../../auth/rate-limit.ts';
import type { Logger } from '../../lib/logger.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';
import { takeMessageLimits } from '../middleware/rate-limit.ts';
import { parseInput } from '../parse-input.ts';
import { roomContext } from '../request-context.ts';
import { subscribeToRoom } from './events-sse.ts';
import type { RoomEventSource, RoomService } from '../room-service.ts';
import { UiMessageStreamEncoder } from './ui-message-stream.ts';

export interface ChatRouteDependencies {
  rooms: RoomService;
  events: RoomEventSource;
  /** The room-access middleware (bearer, room claim, room exists). */
  access: RequestHandler;
  /** The same limiters as `POST /api/rooms/:room/messages`: a chat post is a post. */
  messagesPerParticipant: RateLimiter;
  messagesPerIp: RateLimiter;
  messageChars: number;
  log: Logger;
  /** Interval of SSE heartbeat comments while the round is quiet (the SDK ignores them). */
  heartbeatMs: number;
  /** Should `round-end` be lost: how long after the last reply ended the answer still waits for a hand-off; default 10 s. */
  settleMs?: number;
  /** Should `round-end` be lost: how long to wait for a first reply before ending an empty answer; default 30 s. */
  firstReplyMs?: number;
}

export const CHAT_PATH = '/api/rooms/:room/chat';
/** The largest chat body: `useChat` sends the whole conversation with every message. */
export const CHAT_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

/** `UI_MESSAGE_STREAM_HEADERS` of the `ai` package. */
const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
  'x-vercel-ai-ui-message-stream': 'v1',
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The message id a `useChat` message id stands for in a room: a UUID stays as it is, any other
 * id (the SDK's `generateId()` gives 16 letters and digits) becomes a name-based UUID (version 5
 * layout over SHA-1 of the room and the id), so a retry of the same message is idempotent.
 */
export function chatMessageId(roomId: string, clientId: string): string {
  if (UUID.test(clientId)) return clientId.toLowerCase();
  const hash = createHash('sha1').update(`chorus-chat\u0000${roomId}\u0000${clientId}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * `POST /api/rooms/:room/chat` (docs/architecture.md §9): a drop-in endpoint for the AI SDK's
 * `useChat`. The last user message's text is posted to the room as the token's participant (the
 * same checks as `POST /api/rooms/:room/messages`: mutes, rate limits, roles), then the round's
 * agent replies stream back as one assistant message in the UI message stream, `finish` when the
 * orchestrator says the round is over (`round-end`: no reply of it, hand-offs included, queued or
 * running); should that event be lost, once no reply is in flight and none started for `settleMs`.
 * The client aborting its request stops the round's replies; a stop
 * (`POST /api/rooms/:room/stop`) ends them with their partial text, and the stream with it.
 */
export function chatRoutes(deps: ChatRouteDependencies): Router {
  const { rooms, events, log } = deps;
  const settleMs = deps.settleMs ?? 10_000;
  const firstReplyMs = deps.firstReplyMs ?? 30_000;
  const bodySchema = chatRequestSchema(deps.messageChars);
  const router = Router();

  const takeMessage = (request: Request, roomId: string, participantId: string) =>
    takeMessageLimits(deps, request, roomId, participantId);

  router.post(CHAT_PATH, deps.access, async (request, response) => {
    const { room, grant, requestId } = roomContext(response);
    const body = parseInput(bodySchema, request.body, 'body');
    if (grant.kind !== 'room') {
      throw new HttpError(
        403,
        ERROR_CODE.PARTICIPANT_REQUIRED,
        'A message needs an author: chat with a room token from POST /api/session, not a service key',
      );
    }
    const last = body.messages.at(-1)!;
    await rooms.assertMayPost(room, grant.participantId);
    await takeMessage(request, room.id, grant.participantId);

    // Subscribed before posting, so no reply of the round can start unseen.
    const chunks: UiMessageChunk[] = [];
    let live = false;
    let ended = false;
    const write = (chunk: UiMessageChunk) => {
      if (ended) return;
      if (live) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      else chunks.push(chunk);
    };
    const encoder = new UiMessageStreamEncoder(write);
    let timer: NodeJS.Timeout | undefined;
    let aborted = false;
    const schedule = () => {
      clearTimeout(timer);
      if (encoder.inFlight.length > 0) return;
      timer = setTimeout(finish, encoder.started === 0 ? firstReplyMs : settleMs);
      timer.unref();
    };
    /** Rounds the orchestrator said are over (`round-end`), possibly before the post returned. */
    const roundsEnded = new Set<string>();
    let postId: string | undefined = undefined;
    const onEvent = (event: string, payload: unknown) => {
      if (event === 'round-end') {
        const id = (payload as { id?: unknown }).id;
        if (typeof id === 'string') roundsEnded.add(id);
        if (id === postId && live && encoder.inFlight.length === 0) finish();
        return;
      }
      if (!encoder.handle(event, payload)) return;
      if (aborted && event === 'message-start') stopReplies();
      if (live && postId && roundsEnded.has(postId) && encoder.inFlight.length === 0) finish();
      else schedule();
    };
    const unsubscribe = await subscribeToRoom(events, room.id, onEvent);
    let released = false;
    const intervals: NodeJS.Timeout[] = [];
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      for (const interval of intervals) clearInterval(interval);
      unsubscribe().catch((error: unknown) =>
        log('warn', 'http.chat_unsubscribe_failed', { requestId, roomId: room.id, error }),
      );
    };
    const actor = { id: grant.participantId, name: grant.name, role: grant.role };
    const stopReplies = () => {
      for (const messageId of encoder.inFlight) {
        rooms
          .stop({ roomId: room.id, messageId }, actor)
          .catch((error: unknown) =>
            log('warn', 'http.chat_stop_failed', { requestId, roomId: room.id, messageId, error }),
          );
      }
    };
    function finish() {
      if (ended) return;
      write({
        type: 'finish',
        finishReason: encoder.failed ? 'error' : encoder.stopped ? 'other' : 'stop',
      });
      if (live) response.write('data: [DONE]\n\n');
      ended = true;
      release();
      response.end();
    }

    let posted: Awaited<ReturnType<RoomService['postMessage']>>;
    try {
      const staffRole = isStaffRole(grant.role) ? grant.role : undefined;
      posted = await rooms.postMessage({
        room,
        id: chatMessageId(room.id, last.id),
        author: {
          kind: 'human',
          id: grant.participantId,
          name: grant.name,
          ...(staffRole ? { role: staffRole } : {}),
        },
        content: uiMessageText(last),
      });
    } catch (error) {
      release();
      throw error;
    }
    postId = posted.message.id;
    write({ type: 'start', messageId: chatMessageId(room.id, `${postId}:answer`) });
    encoder.begin(postId);

    if (response.closed) {
      // (not `request.destroyed`: a request whose body was read is destroyed, the client still there)
      aborted = true;
      stopReplies();
      release();
      return;
    }
    response.once('close', () => {
      if (ended) return;
      // The client went away before the round ended: stop its replies (and any that start now).
      aborted = true;
      ended = true;
      stopReplies();
      setTimeout(release, settleMs).unref();
    });
    response.status(200).set(STREAM_HEADERS);
    response.flushHeaders();
    live = true;
    for (const chunk of chunks.splice(0)) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
    const heartbeat = setInterval(
      () => ended || response.write(': heartbeat\n\n'),
      deps.heartbeatMs,
    );
    heartbeat.unref();
    intervals.push(heartbeat);
    if (!posted.created || roundsEnded.has(postId)) {
      // A retry of a message already posted (its round belongs to the first request), or a round
      // no agent answers.
      finish();
      return;
    }
    schedule();
  });

  // useChat's `resume: true` asks here after a reload: there is never a stream to resume (204).
  router.get(`${CHAT_PATH}/:chat/stream`, deps.access, (_request, response) => {
    response.status(204).end();
  });
  return router;
}
