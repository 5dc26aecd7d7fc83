/**
 * The OpenAPI 3.1 document of the REST API, generated from the contract's zod schemas
 * (protocol/schemas/) through the route table in api-operations.ts: every body, answer and room
 * event is a named schema under `components/schemas` (`Message`, `Agent`, `Participant`, `Error`,
 * `SessionRequest`, `TextDeltaEvent`…), which the operations reference. The same schemas validate
 * requests and, in the API tests, every answer, so the document describes what the server does.
 * Served at `GET /api/openapi.json`; a test validates it with an OpenAPI validator.
 */
import { z } from 'zod';
import {
  authorSchema,
  messagePartSchema,
  messageSchema,
  participantSchema,
  tokenUsageSchema,
} from '../../protocol/schemas/message.ts';
import {
  roomEventSchema,
  roomEventSchemas,
  type RoomEventName,
} from '../../protocol/schemas/room-events.ts';
import { uiMessageChunkSchema, uiMessageSchema } from '../../protocol/schemas/chat.ts';
import {
  conversationPageSchema,
  conversationSchema,
  handoffRequestSchema,
  handoffResponseSchema,
  muteRequestSchema,
  muteResponseSchema,
  participantParamsSchema,
} from '../../protocol/schemas/conversations.ts';
import {
  adminRoomResponseSchema,
  adminRoomSchema,
  adminRoomsResponseSchema,
  adminRoomUpdateSchema,
  agentSchema,
  errorResponseSchema,
  healthResponseSchema,
  messageIdSchema,
  messagePageSchema,
  messageResponseSchema,
  regenerateResponseSchema,
  roomIdSchema,
  roomResponseSchema,
  roomSettingsSchema,
  roomSummarySchema,
  sessionRequestSchema,
  sessionResponseSchema,
  stopRequestSchema,
  stopResponseSchema,
  typingRequestSchema,
} from '../../protocol/schemas/rest.ts';
import {
  apiOperations,
  EVENT_STREAM,
  NO_BODY,
  openApiDocumentSchema,
  type Operation,
} from './api-operations.ts';
import {
  messageRowSchema,
  messageRowsSchema,
  postgrestErrorSchema,
} from '../../protocol/schemas/postgrest.ts';
import { roomSessionSchema, sessionsResponseSchema } from '../../protocol/schemas/sessions.ts';

type JsonSchema = Record<string, unknown>;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: '`invalid_request` (the message names the field), `invalid_json` or `host_not_allowed`',
  401: '`unauthorized`: missing, malformed, forged or expired bearer token; `invalid_identity`',
  403: '`forbidden_room` (the token is for another room), `identity_required`, `participant_required`, `origin_not_allowed`',
  404: '`not_found`: unknown room, message or agent',
  409: "`name_taken` (the name is one of the room's agents'), `message_conflict` (the id was used for other content), `still_streaming` or `agent_not_in_room` (regenerating an agent the room no longer has)",
  413: '`payload_too_large`',
  415: '`unsupported_media_type`: send `Content-Type: application/json`',
  429: '`rate_limited` (see `Retry-After`) or `budget_exhausted`',
  503: '`realtime_unavailable`: the event stream cannot be opened now',
};

/** `text-delta` → `TextDeltaEvent`. */
function eventComponentName(event: RoomEventName): string {
  return `${event.replace(/(^|-)(\w)/g, (_match, _dash, letter: string) => letter.toUpperCase())}Event`;
}

/** The named schemas of answers (rendered as the server sends them) and of request bodies (as a client sends them). */
function namedSchemas(operations: readonly Operation[]): {
  answers: Map<z.ZodType, string>;
  requests: Map<z.ZodType, string>;
} {
  const answers = new Map<z.ZodType, string>([
    [messageSchema, 'Message'],
    [authorSchema, 'Author'],
    [messagePartSchema, 'MessagePart'],
    [tokenUsageSchema, 'TokenUsage'],
    [participantSchema, 'Participant'],
    [agentSchema, 'Agent'],
    [roomSettingsSchema, 'RoomSettings'],
    [roomSummarySchema, 'RoomSummary'],
    [conversationSchema, 'Conversation'],
    [conversationPageSchema, 'ConversationPage'],
    [handoffResponseSchema, 'HandoffResponse'],
    [muteResponseSchema, 'MuteResponse'],
    [adminRoomSchema, 'AdminRoom'],
    [adminRoomsResponseSchema, 'AdminRoomsResponse'],
    [adminRoomResponseSchema, 'AdminRoomResponse'],
    [errorResponseSchema, 'Error'],
    [sessionResponseSchema, 'SessionResponse'],
    [roomResponseSchema, 'RoomResponse'],
    [messagePageSchema, 'MessagePage'],
    [messageResponseSchema, 'MessageResponse'],
    [stopResponseSchema, 'StopResponse'],
    [regenerateResponseSchema, 'RegenerateResponse'],
    [healthResponseSchema, 'Health'],
    [openApiDocumentSchema, 'OpenApiDocument'],
    [roomEventSchema, 'RoomEvent'],
    [uiMessageChunkSchema, 'UIMessageChunk'],
    [messageRowSchema, 'MessageRow'],
    [roomSessionSchema, 'RoomSession'],
    [sessionsResponseSchema, 'SessionsResponse'],
    [messageRowsSchema, 'MessageRows'],
    [postgrestErrorSchema, 'PostgrestError'],
    ...(Object.keys(roomEventSchemas) as RoomEventName[]).map((event): [z.ZodType, string] => [
      roomEventSchemas[event],
      eventComponentName(event),
    ]),
  ]);
  const requests = new Map<z.ZodType, string>([
    [sessionRequestSchema, 'SessionRequest'],
    [stopRequestSchema, 'StopRequest'],
    [typingRequestSchema, 'TypingRequest'],
    [handoffRequestSchema, 'HandoffRequest'],
    [muteRequestSchema, 'MuteRequest'],
    [adminRoomUpdateSchema, 'AdminRoomUpdate'],
    [uiMessageSchema, 'UIMessage'],
  ]);
  const postMessage = operations.find((operation) => operation.operationId === 'postMessage')?.body;
  if (postMessage) requests.set(postMessage, 'PostMessageRequest');
  const chat = operations.find((operation) => operation.operationId === 'chat')?.body;
  if (chat) requests.set(chat, 'ChatRequest');
  return { answers, requests };
}

/** `components/schemas` for the named schemas, cross-referenced by `$ref`. */
function components(
  named: Map<z.ZodType, string>,
  io: 'input' | 'output',
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of named) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
      return [id, rest];
    }),
  );
}

function inlineSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

function reference(named: Map<z.ZodType, string>, schema: z.ZodType): JsonSchema {
  const id = named.get(schema);
  if (id === undefined)
    throw new Error('openapi: every body and answer must be a named schema (see namedSchemas)');
  return { $ref: `#/components/schemas/${id}` };
}

const PATH_PARAMETERS: Record<string, z.ZodType> = {
  room: roomIdSchema,
  id: messageIdSchema,
  participant: participantParamsSchema.shape.participant.describe(
    'A participant id (`guest:<uuid>`, `user:<id>`), URL-encoded.',
  ),
  chat: z.string().describe("useChat's chat id (not used by Chorus)."),
};

function pathParameters(path: string) {
  return [...path.matchAll(/:(\w+)/g)].map(([, name]) => {
    const schema = PATH_PARAMETERS[name!];
    if (!schema) throw new Error(`openapi: no schema for path parameter :${name}`);
    return { name, in: 'path', required: true, schema: inlineSchema(schema) };
  });
}

function queryParameters(query: z.ZodObject | undefined) {
  if (!query) return [];
  return Object.entries(query.shape).map(([name, schema]) => {
    const { description, ...rest } = inlineSchema(schema as z.ZodType);
    return {
      name,
      in: 'query',
      required: false,
      ...(description ? { description } : {}),
      schema: rest,
    };
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
export function buildOpenApiDocument(options: {
  messageChars: number;
  version?: string;
}): Record<string, unknown> {
  const operations = apiOperations(options.messageChars);
  const { answers, requests } = namedSchemas(operations);
  const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const responses: Record<string, unknown> = {};
    for (const [status, [description, answer]] of Object.entries(operation.responses)) {
      if (answer === NO_BODY) responses[status] = { description };
      else if (answer === EVENT_STREAM)
        responses[status] = {
          description,
          content: {
            'text/event-stream': {
              schema: reference(answers, operation.stream ?? roomEventSchema),
            },
          },
        };
      else responses[status] = { description, content: json(reference(answers, answer)) };
    }
    for (const status of [...operation.errors, 500]) {
      responses[String(status)] ??= {
        description: ERROR_DESCRIPTIONS[status] ?? 'Internal error',
        content: json(reference(answers, errorResponseSchema)),
      };
    }
    const parameters = [...pathParameters(operation.path), ...queryParameters(operation.query)];
    (paths[openApiPath(operation.path)] ??= {})[operation.method] = {
      operationId: operation.operationId,
      summary: operation.summary,
      ...(operation.description ? { description: operation.description } : {}),
      tags: operation.tags,
      security: operation.authenticated ? [{ roomToken: [] }] : [],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(operation.body
        ? { requestBody: { required: true, content: json(reference(requests, operation.body)) } }
        : {}),
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
      schemas: { ...components(answers, 'output'), ...components(requests, 'input') },
      securitySchemes: {
        roomToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "A room token from POST /api/session (the room's own calls only), or the server's service-role key (every room).",
        },
      },
    },
    paths,
  };
}
