/**
 * The OpenAPI 3.1 document of the REST API, generated from the same zod schemas that validate
 * requests (`z.toJSONSchema`), so the documentation cannot drift from what the server accepts.
 * Served at `GET /api/openapi.json`; a test checks that every route of the app is in it.
 */
import { z } from 'zod';
import {
  errorResponseSchema,
  healthResponseSchema,
  messagePageSchema,
  messageResponseSchema,
  messagesQuerySchema,
  postMessageRequestSchema,
  regenerateResponseSchema,
  roomIdSchema,
  messageIdSchema,
  roomResponseSchema,
  sessionRequestSchema,
  sessionResponseSchema,
  stopRequestSchema,
  stopResponseSchema,
} from './api-schemas.ts';
import { typingRequestSchema } from './routes/typing.ts';

type JsonSchema = Record<string, unknown>;
type HttpMethod = 'get' | 'post';

interface Operation {
  method: HttpMethod;
  /** Express syntax (`/api/rooms/:room`); converted to `{room}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  authenticated: boolean;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Status -> [description, schema]; an SSE response has schema `'event-stream'`. */
  responses: Record<number, [string, z.ZodType | 'event-stream']>;
  /** Error statuses this operation may answer, besides the ones every API call may. */
  errors: number[];
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: '`invalid_request` (the message names the field) or `invalid_json`',
  401: '`unauthorized`: missing, malformed, forged or expired bearer token; `invalid_identity`',
  403: '`forbidden_room` (the token is for another room), `identity_required`, `participant_required`, `origin_not_allowed`',
  404: '`not_found`: unknown room, message or agent',
  409: '`message_conflict` (the id was used for other content), `still_streaming` or `agent_not_in_room` (regenerating an agent the room no longer has)',
  413: '`payload_too_large`',
  415: '`unsupported_media_type`: send `Content-Type: application/json`',
  429: '`rate_limited` (see `Retry-After`) or `budget_exhausted`',
  503: '`realtime_unavailable`: the event stream cannot be opened now',
};

function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function jsonContent(schema: z.ZodType) {
  return { 'application/json': { schema: jsonSchema(schema) } };
}

function operationsFor(messageChars: number): Operation[] {
  const room: Pick<Operation, 'tags' | 'authenticated'> = { tags: ['rooms'], authenticated: true };
  return [
    {
      method: 'post',
      path: '/api/session',
      operationId: 'createSession',
      summary: 'Join a room: get a short-lived room token',
      description:
        'Creates the room on first use. Guests get a new participant id; a host-signed `identity` gives a stable one and is required where `guestAccess` is off. Send `Authorization: Bearer <current token>` to refresh and keep the participant id.',
      tags: ['session'],
      authenticated: false,
      body: sessionRequestSchema,
      responses: { 200: ['The room token and where to connect', sessionResponseSchema] },
      errors: [400, 401, 403, 413, 415, 429],
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
      path: '/api/rooms/:room/typing',
      operationId: 'sendTyping',
      summary: 'Say that the participant is typing or stopped (broadcast as `typing`)',
      description: 'For widgets whose session says `realtime.typing: "server"`. The participant id and name come from the token. 204, no body.',
      body: typingRequestSchema,
      responses: { 204: ['Broadcast', z.null()] },
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
        'Each broadcast is one event: `event:` the room event name (`message`, `message-start`, `text-delta`, `message-end`, `typing`…), `data:` its JSON payload. Heartbeat comments every 15 s. EventSource clients may pass the token as `?access_token=`.',
      query: z.object({
        access_token: z.string().optional().describe('The room token, for clients that cannot send an Authorization header (EventSource).'),
      }),
      responses: { 200: ['An event stream', 'event-stream'] },
      errors: [400, 401, 403, 404, 429, 503],
    },
    {
      method: 'get',
      path: '/api/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This document',
      tags: ['meta'],
      authenticated: false,
      responses: { 200: ['OpenAPI 3.1', z.looseObject({ openapi: z.string() })] },
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

const PATH_PARAMETERS: Record<string, z.ZodType> = { room: roomIdSchema, id: messageIdSchema };

function pathParameters(path: string) {
  return [...path.matchAll(/:(\w+)/g)].map(([, name]) => {
    const schema = PATH_PARAMETERS[name!];
    if (!schema) throw new Error(`openapi: no schema for path parameter :${name}`);
    return { name, in: 'path', required: true, schema: jsonSchema(schema) };
  });
}

function queryParameters(query: z.ZodObject | undefined) {
  if (!query) return [];
  return Object.entries(query.shape).map(([name, schema]) => {
    const { description, ...rest } = jsonSchema(schema as z.ZodType);
    return { name, in: 'query', required: false, ...(description ? { description } : {}), schema: rest };
  });
}

/** `/api/rooms/:room` → `/api/rooms/{room}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

/**
 * Builds the document for a server whose messages may have `messageChars` characters.
 * @example const document = buildOpenApiDocument({ messageChars: 8000 });
 */
export function buildOpenApiDocument(options: { messageChars: number; version?: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operationsFor(options.messageChars)) {
    const responses: Record<string, unknown> = {};
    for (const [status, [description, schema]] of Object.entries(operation.responses)) {
      responses[status] = {
        description,
        content: schema === 'event-stream' ? { 'text/event-stream': { schema: { type: 'string' } } } : jsonContent(schema),
      };
    }
    for (const status of [...operation.errors, 500]) {
      responses[String(status)] ??= { description: ERROR_DESCRIPTIONS[status] ?? 'Internal error', content: jsonContent(errorResponseSchema) };
    }
    const parameters = [...pathParameters(operation.path), ...queryParameters(operation.query)];
    (paths[openApiPath(operation.path)] ??= {})[operation.method] = {
      operationId: operation.operationId,
      summary: operation.summary,
      ...(operation.description ? { description: operation.description } : {}),
      tags: operation.tags,
      security: operation.authenticated ? [{ roomToken: [] }] : [],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(operation.body ? { requestBody: { required: true, content: jsonContent(operation.body) } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Chorus API',
      version: options.version ?? '0.1.0',
      description:
        'The REST API of a Chorus server (docs/architecture.md §3). Errors are `{ error: { code, message, requestId } }`. Every response carries `X-Request-Id`.',
    },
    tags: [{ name: 'session' }, { name: 'rooms' }, { name: 'meta' }],
    components: {
      securitySchemes: {
        roomToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: "A room token from POST /api/session (the room's own calls only), or the server's service-role key (every room).",
        },
      },
    },
    paths,
  };
}
