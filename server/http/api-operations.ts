/**
 * The REST API's routes and, for each, the contract's schemas (protocol/schemas/rest.ts) it takes
 * and answers with, by status. The OpenAPI document is rendered from this table (openapi.ts) and
 * the API tests parse every answer with the schema it names ({@link answerSchemaOf}), so a route,
 * a body or a field the table does not name fails a test.
 *
 * Why one file: it is one table, every route of the API side by side; split, a route could be
 * left out of the document without anyone noticing.
 */
import { z } from 'zod';
import {
  conversationPageSchema,
  conversationsQuerySchema,
  handoffRequestSchema,
  handoffResponseSchema,
  muteRequestSchema,
  muteResponseSchema,
} from '../../protocol/schemas/conversations.ts';
import { chatRequestSchema, uiMessageChunkSchema } from '../../protocol/schemas/chat.ts';
import {
  adminRoomResponseSchema,
  adminRoomsResponseSchema,
  adminRoomUpdateSchema,
  errorResponseSchema,
  healthResponseSchema,
  messagePageSchema,
  messageResponseSchema,
  messagesQuerySchema,
  postMessageRequestSchema,
  regenerateResponseSchema,
  roomResponseSchema,
  sessionRequestSchema,
  sessionResponseSchema,
  stopRequestSchema,
  stopResponseSchema,
  typingRequestSchema,
} from '../../protocol/schemas/rest.ts';
import { messageRowsSchema, postgrestErrorSchema } from '../../protocol/schemas/postgrest.ts';
import { sessionsQuerySchema, sessionsResponseSchema } from '../../protocol/schemas/sessions.ts';
import { eventsStreamQuerySchema } from './routes/event-cursor.ts';

/** The answer of an SSE route: a stream of room events (`roomEventSchema`, protocol/schemas/room-events.ts), not one JSON body. */
export const EVENT_STREAM = 'event-stream';
/** An answer without a body (204). */
export const NO_BODY = 'no-body';

export type Answer = z.ZodType | typeof EVENT_STREAM | typeof NO_BODY;

export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express syntax (`/api/rooms/:room`). */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  authenticated: boolean;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Status -> [description, schema]. */
  responses: Record<number, [string, Answer]>;
  /** For an {@link EVENT_STREAM} answer: the schema of one event's data, when it is not a `RoomEvent`. */
  stream?: z.ZodType;
  /** Error statuses this operation may answer (each with the `Error` body), besides 500. */
  errors: number[];
}

export const openApiDocumentSchema = z.looseObject({ openapi: z.string() });

/**
 * Every route of the API, for a server whose messages may have `messageChars` characters.
 * @example const operations = apiOperations(8000);
 */
export function apiOperations(messageChars: number): Operation[] {
  const room: Pick<Operation, 'tags' | 'authenticated'> = { tags: ['rooms'], authenticated: true };
  return [
    {
      method: 'post',
      path: '/api/session',
      operationId: 'createSession',
      summary: 'Join a room: get a short-lived room token',
      description:
        "Creates the room on first use. Guests get a new participant id; a host-signed `identity` gives a stable one (its `role` the token's: member, operator, admin), as does a Supabase Auth access token (a member; 503 when the project's signing keys cannot be fetched) and is required where `guestAccess` is off. Send `Authorization: Bearer <current token>` to refresh and keep the participant id (and, in a support room, the conversation), or `Authorization: Bearer <admin key>` for an admin token. In a `support` room a guest or member gets their own conversation: `room.id` is its id, `room.parent` the support room; staff get the support room itself.",
      tags: ['session'],
      authenticated: false,
      body: sessionRequestSchema,
      responses: { 200: ['The room token and where to connect', sessionResponseSchema] },
      errors: [400, 401, 403, 409, 413, 415, 429, 503],
    },
    {
      ...room,
      method: 'get',
      path: '/api/rooms/:room',
      operationId: 'getRoom',
      summary: 'The room, its settings and its agents',
      responses: { 200: ['The room', roomResponseSchema] },
      errors: [400, 401, 403, 404, 429],
    },
    {
      ...room,
      method: 'get',
      path: '/api/rooms/:room/messages',
      operationId: 'listMessages',
      summary: 'A page of the transcript, oldest first, in-flight replies included',
      query: messagesQuerySchema,
      responses: { 200: ['The page', messagePageSchema] },
      errors: [400, 401, 403, 404, 429],
    },
    {
      ...room,
      method: 'post',
      path: '/api/rooms/:room/messages',
      operationId: 'postMessage',
      summary: 'Post a message (idempotent by id)',
      body: postMessageRequestSchema(messageChars),
      responses: {
        201: ['Posted', messageResponseSchema],
        200: ['Already posted with this id and content: the stored message', messageResponseSchema],
      },
      errors: [400, 401, 403, 404, 409, 413, 415, 429],
    },
    {
      ...room,
      method: 'post',
      path: '/api/rooms/:room/stop',
      operationId: 'stopReplies',
      summary: 'Stop agent replies: one message, one agent, or all',
      body: stopRequestSchema,
      responses: { 202: ['Stopping', stopResponseSchema] },
      errors: [400, 401, 403, 404, 413, 415, 429],
    },
    {
      ...room,
      method: 'post',
      path: '/api/rooms/:room/chat',
      operationId: 'chat',
      summary:
        "Post with the AI SDK's `useChat` and stream the round back as one assistant message",
      description:
        "Takes the body `useChat`'s `DefaultChatTransport` sends (other top-level fields are ignored); the last message, a user message, is posted as the token's participant (the rules of `postMessage`; its SDK id, UUID or not, stands for a stable message id, so a retry is idempotent). Answers the AI SDK UI message stream (`x-vercel-ai-ui-message-stream: v1`; each `data:` line a `UIMessageChunk`, then `data: [DONE]`): `start`, per agent reply a `data-agent` part `{id, name}` followed by its text, reasoning and tool parts, `finish` when the round's last reply (hand-offs included) ended. Aborting the request stops the round's replies; a stop ends the stream with the partial text.",
      body: chatRequestSchema(messageChars),
      responses: { 200: ['The UI message stream', EVENT_STREAM] },
      stream: uiMessageChunkSchema,
      errors: [400, 401, 403, 404, 409, 413, 415, 429, 503],
    },
    {
      ...room,
      method: 'get',
      path: '/api/rooms/:room/chat/:chat/stream',
      operationId: 'resumeChatStream',
      summary: "useChat's `resume`: there is no stream to resume",
      description:
        'Always 204 (the AI SDK then goes on as if nothing was streaming): read the round from `GET /api/rooms/{room}/messages`.',
      responses: { 204: ['Nothing to resume', NO_BODY] },
      errors: [401, 403, 404, 429],
    },
    {
      ...room,
      method: 'post',
      path: '/api/rooms/:room/typing',
      operationId: 'sendTyping',
      summary: 'Say that the participant is typing or stopped (broadcast as `typing`)',
      description:
        'For widgets whose session says `realtime.typing: "server"`. The participant id and name come from the token. 204, no body.',
      body: typingRequestSchema,
      responses: { 204: ['Broadcast', NO_BODY] },
      errors: [400, 401, 403, 404, 413, 415, 429],
    },
    {
      ...room,
      method: 'post',
      path: '/api/rooms/:room/messages/:id/regenerate',
      operationId: 'regenerateReply',
      summary: 'Have the same agent answer the same message again',
      responses: { 202: ['Queued', regenerateResponseSchema] },
      errors: [400, 401, 403, 404, 409, 429],
    },
    {
      ...room,
      method: 'get',
      path: '/api/rooms/:room/events',
      operationId: 'streamRoomEvents',
      summary: "The room's broadcasts as Server-Sent Events",
      description:
        'Each broadcast is one event: `id:` the stream position, `event:` the room event name, `data:` its JSON payload (the `RoomEvent` schema lists them). Heartbeat comments every 15 s. EventSource clients may pass the token as `?access_token=`.\n\n' +
        "**Resuming.** Reconnect with the header `Last-Event-ID: <the last id received>` (EventSource does this by itself), or `?lastEventId=` where headers cannot be set; the header wins when both are sent. The id is opaque: it names the room, the highest transcript position received and, for each agent reply in flight, its last `seq` and text length, so several interleaved replies resume together. The stream then replays, before going live, what was missed from the persisted state: `message` for people's and system messages, `message-end` for replies that finished, `message-start` for replies that began, and for each reply in flight the text since the position as one `text-delta` numbered with the reply's current `seq` (so `seq` may jump; the text is never repeated nor lost). Reasoning and tool parts since then, and broadcasts other than messages (typing, summaries, status), are not replayed: `message-end` carries the full reply. An id this room's stream did not give out is a `400 invalid_request`; reconnect without it (and load the transcript by REST).",
      query: eventsStreamQuerySchema,
      responses: { 200: ['An event stream', EVENT_STREAM] },
      errors: [400, 401, 403, 404, 429, 503],
    },
    {
      ...room,
      tags: ['conversations'],
      method: 'get',
      path: '/api/rooms/:room/conversations',
      operationId: 'listConversations',
      summary: "A support room's conversations (staff): waiting first, then newest activity",
      description:
        'Live updates arrive on the private channel `inbox:<room>` as `conversation-updated`.',
      query: conversationsQuerySchema,
      responses: { 200: ['The page', conversationPageSchema] },
      errors: [400, 401, 403, 404, 409, 429],
    },
    {
      ...room,
      tags: ['conversations'],
      method: 'post',
      path: '/api/rooms/:room/handoff',
      operationId: 'handoff',
      summary: 'Ask for a person (visitor), take over, hand back or close (staff)',
      description:
        'Each change posts a system message and broadcasts `conversation-status`. Asking for the status the conversation already has changes nothing.',
      body: handoffRequestSchema,
      responses: { 200: ['The conversation’s status', handoffResponseSchema] },
      errors: [400, 401, 403, 404, 409, 413, 415, 429],
    },
    {
      ...room,
      tags: ['conversations'],
      method: 'delete',
      path: '/api/rooms/:room/messages/:id',
      operationId: 'deleteMessage',
      summary: 'Remove a message (staff): it keeps its place, status `deleted`, content removed',
      responses: { 200: ['The removed message', messageResponseSchema] },
      errors: [400, 401, 403, 404, 409, 429],
    },
    {
      ...room,
      tags: ['conversations'],
      method: 'post',
      path: '/api/rooms/:room/participants/:participant/mute',
      operationId: 'muteParticipant',
      summary: 'Mute or unmute a participant (staff)',
      body: muteRequestSchema,
      responses: { 200: ['The mute', muteResponseSchema] },
      errors: [400, 401, 403, 404, 413, 415, 429],
    },
    {
      ...room,
      tags: ['conversations'],
      method: 'post',
      path: '/api/rooms/:room/read',
      operationId: 'markConversationRead',
      summary: 'Staff have read the conversation (its unread count drops to 0)',
      responses: { 204: ['Marked', NO_BODY] },
      errors: [400, 401, 403, 404, 409, 429],
    },
    {
      method: 'get',
      path: '/api/admin/rooms',
      operationId: 'listRooms',
      summary: 'Every room that is not a conversation, with its settings (admin)',
      tags: ['admin'],
      authenticated: true,
      responses: { 200: ['The rooms', adminRoomsResponseSchema] },
      errors: [401, 403, 429],
    },
    {
      method: 'put',
      path: '/api/admin/rooms/:room',
      operationId: 'saveRoom',
      summary:
        'Create a room or change its title and settings (admin), at once for its conversations',
      tags: ['admin'],
      authenticated: true,
      body: adminRoomUpdateSchema,
      responses: {
        200: ['Changed', adminRoomResponseSchema],
        201: ['Created', adminRoomResponseSchema],
      },
      errors: [400, 401, 403, 409, 413, 415, 429],
    },
    {
      ...room,
      method: 'get',
      path: '/api/rooms/:room/sessions',
      operationId: 'listSessions',
      summary: "The room's session summaries, newest first",
      description:
        "A session ends when the room has been quiet for `CHORUS_SUMMARY_QUIET_MS` (10 min), when a support conversation's visitor has left and it has been quiet for `CHORUS_CONVERSATION_SUMMARY_QUIET_MS` (2 min), or when the conversation is closed. Each summary is the memory the room's agents read, written by the configured model or, without one, offline. A room's summaries are never another room's.",
      query: sessionsQuerySchema,
      responses: { 200: ["The room's sessions", sessionsResponseSchema] },
      errors: [400, 401, 403, 404, 429],
    },
    {
      method: 'get',
      path: '/rest/v1/messages',
      operationId: 'readMessageRows',
      summary: "PostgREST's read of `messages`, for supabase-js's `from('messages').select()`",
      description:
        "The first load of a dashboard written for Supabase. Query as PostgREST does: `select=*` or `select=id,content`; filters `<column>=<op>.<value>` with `eq`, `neq`, `lt`, `lte`, `gt`, `gte`, `in.(a,b)`; `order=<column>.asc|desc[.nullsfirst|.nullslast]`; `limit` (at most 1000) and `offset`. `Accept: application/vnd.pgrst.object+json` (supabase-js's `.single()`) answers one object, or 406. The bearer token is a room token: its room's rows, an operator's also its conversations', admin and service every row. Errors are PostgREST's shape, not `Error`.",
      tags: ['integrations'],
      authenticated: true,
      responses: {
        200: ['The rows, oldest first unless ordered', messageRowsSchema],
        400: ['A filter, column or value it does not read', postgrestErrorSchema],
        401: ['No room token', postgrestErrorSchema],
        404: ['A table other than `messages`', postgrestErrorSchema],
        406: ['`.single()` and not exactly one row', postgrestErrorSchema],
      },
      errors: [429],
    },
    {
      method: 'get',
      path: '/api/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This document',
      tags: ['meta'],
      authenticated: false,
      responses: { 200: ['OpenAPI 3.1', openApiDocumentSchema] },
      errors: [],
    },
    {
      method: 'get',
      path: '/healthz',
      operationId: 'liveness',
      summary: 'Liveness: the process answers',
      tags: ['meta'],
      authenticated: false,
      responses: { 200: ['Alive', healthResponseSchema] },
      errors: [],
    },
    {
      method: 'get',
      path: '/readyz',
      operationId: 'readiness',
      summary: 'Readiness: the database answers and the server is not shutting down',
      tags: ['meta'],
      authenticated: false,
      responses: { 200: ['Ready', healthResponseSchema], 503: ['Not ready', healthResponseSchema] },
      errors: [],
    },
  ];
}

function pathPattern(expressPath: string): RegExp {
  return new RegExp(`^${expressPath.replace(/:(\w+)/g, '[^/]+')}$`);
}

/**
 * The schema an answer of `method path` with `status` must match: the route's own for its
 * statuses, `Error` for any other; undefined for a path the API does not route.
 * @example answerSchemaOf(apiOperations(8000), 'GET', '/api/rooms/lobby', 200) // roomResponseSchema
 */
export function answerSchemaOf(
  operations: readonly Operation[],
  method: string,
  path: string,
  status: number,
): Answer | undefined {
  const pathname = path.split('?')[0]!;
  const operation = operations.find(
    (candidate) =>
      candidate.method === method.toLowerCase() && pathPattern(candidate.path).test(pathname),
  );
  if (operation === undefined) return undefined;
  return operation.responses[status]?.[1] ?? errorResponseSchema;
}
