import { Validator } from '@seriousme/openapi-schema-validator';
import type { Express } from 'express';
import { describe, expect, it } from 'vitest';
import { roomEventSchemas } from '../../protocol/schemas/room-events.ts';
import { createApp } from '../../server/http/create-app.ts';
import { openApiPath } from '../../server/http/openapi.ts';
import type { RoomEventSource, RoomService, RoomStore } from '../../server/http/room-service.ts';
import type { SqlExecutor } from '../../server/store/sql.ts';

/** The app with dependencies that must never be called: only its routes are inspected. */
function inspectableApp(messageChars = 8000): Express {
  const never = new Proxy(
    {},
    { get: (_target, name) => () => Promise.reject(new Error(`unexpected call: ${String(name)}`)) },
  );
  return createApp({
    log: () => {},
    store: never as RoomStore,
    rooms: never as RoomService,
    roomEvents: never as RoomEventSource,
    jwtSecret: 'x'.repeat(40),
    identitySecret: null,
    realtime: { url: 'ws://localhost/realtime/v1', anonKey: 'anon' },
    ready: () => true,
    sql: never as SqlExecutor,
    limits: { messageChars },
  });
}

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: RouterLayer[] };
}

/** Every `METHOD path` the app routes, found by walking Express's router (nested routers included). */
function routesOf(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: RouterLayer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, enabled] of Object.entries(layer.route.methods))
          if (enabled && method !== '_all')
            found.push(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.handle.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack);
  return found;
}

type JsonSchema = Record<string, unknown>;
type Content = Record<string, { schema: JsonSchema }>;

interface OpenApiDocument {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { requestBody?: { content: Content }; responses: Record<string, { content?: Content }> }
    >
  >;
  components: { schemas: Record<string, JsonSchema> };
}

async function documentOf(app: Express): Promise<OpenApiDocument> {
  const server = app.listen(0);
  try {
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/api/openapi.json`);
    expect(response.status).toBe(200);
    return (await response.json()) as never;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('GET /api/openapi.json', () => {
  it('documents every route of the app, and nothing the app does not serve', async () => {
    const app = inspectableApp();
    const document = await documentOf(app);
    expect(document.openapi).toBe('3.1.0');
    const routes = routesOf(app);
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /api/session',
        'GET /api/rooms/:room',
        'GET /api/rooms/:room/messages',
        'POST /api/rooms/:room/messages',
        'POST /api/rooms/:room/stop',
        'POST /api/rooms/:room/messages/:id/regenerate',
        'GET /api/rooms/:room/events',
        'GET /healthz',
        'GET /readyz',
        'GET /api/openapi.json',
        'GET /rest/v1/messages',
      ]),
    );
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      routes
        .map((route) => route.replace(/ (.*)$/, (_match, path: string) => ` ${openApiPath(path)}`))
        .sort(),
    );
  });

  it('generates request schemas from the validators, with the configured limits', async () => {
    const document = await documentOf(inspectableApp(1234));
    expect(
      document.paths['/api/rooms/{room}/messages']?.post?.requestBody?.content['application/json']
        ?.schema,
    ).toEqual({ $ref: '#/components/schemas/PostMessageRequest' });
    const body = document.components.schemas.PostMessageRequest;
    expect(body).toMatchObject({
      type: 'object',
      required: ['id', 'content'],
      additionalProperties: false,
      properties: {
        content: { type: 'string', maxLength: 1234 },
        id: { type: 'string', pattern: expect.any(String) },
      },
    });
    const session = document.components.schemas.SessionRequest;
    expect(session).toMatchObject({
      required: ['room', 'name'],
      properties: {
        name: { maxLength: 40 },
        identity: {
          anyOf: [
            { type: 'string', description: expect.stringMatching(/identity JWT/) },
            { required: ['userId', 'signature'] },
          ],
        },
      },
    });
  });

  it('is a valid OpenAPI 3.1 document whose every $ref resolves (@seriousme/openapi-schema-validator)', async () => {
    const document = await documentOf(inspectableApp());
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const references = JSON.stringify(document).match(/"\$ref":"[^"]*"/g) ?? [];
    expect(references.length).toBeGreaterThan(20);
    for (const reference of new Set(references)) {
      const name = /#\/components\/schemas\/(\w+)"$/.exec(reference)?.[1];
      expect(name && document.components.schemas[name], reference).toBeDefined();
    }
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('names every body, answer and room event under components/schemas, and each operation refers to them', async () => {
    const document = await documentOf(inspectableApp());
    const { schemas } = document.components;
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining([
        'Message',
        'Agent',
        'Participant',
        'Error',
        'SessionRequest',
        'SessionResponse',
        'RoomResponse',
        'MessagePage',
        'StopRequest',
        'RoomEvent',
      ]),
    );
    expect(schemas.Message).toMatchObject({
      additionalProperties: false,
      properties: {
        position: { type: 'integer' },
        author: { $ref: '#/components/schemas/Author' },
        stoppedBy: { anyOf: [{ $ref: '#/components/schemas/Participant' }, { type: 'null' }] },
      },
    });
    expect(schemas.Agent).toMatchObject({
      required: ['id', 'name', 'handle', 'color', 'model', 'description'],
      properties: { color: { type: 'string' } },
    });
    const answer = (path: string, method: string, status: string, type = 'application/json') =>
      document.paths[path]?.[method]?.responses[status]?.content?.[type]?.schema;
    expect(answer('/api/session', 'post', '200')).toEqual({
      $ref: '#/components/schemas/SessionResponse',
    });
    expect(answer('/api/rooms/{room}/messages', 'get', '200')).toEqual({
      $ref: '#/components/schemas/MessagePage',
    });
    expect(answer('/api/rooms/{room}/messages', 'post', '409')).toEqual({
      $ref: '#/components/schemas/Error',
    });
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(
          operation.responses['500']?.content?.['application/json']?.schema,
          `${method} ${path}`,
        ).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
  });

  it('lists each room event of the SSE stream with its payload schema', async () => {
    const document = await documentOf(inspectableApp());
    expect(answer(document)).toEqual({ $ref: '#/components/schemas/RoomEvent' });
    const events = (document.components.schemas.RoomEvent!.oneOf as JsonSchema[]).map((option) => {
      const properties = option.properties as { event: { const: string }; data: { $ref: string } };
      return [properties.event.const, properties.data.$ref];
    });
    expect(events.map(([event]) => event)).toEqual(Object.keys(roomEventSchemas));
    expect(events).toContainEqual(['text-delta', '#/components/schemas/TextDeltaEvent']);
    expect(document.components.schemas.TextDeltaEvent).toMatchObject({
      required: ['id', 'seq', 'delta'],
      additionalProperties: false,
    });
    expect(document.components.schemas.MessageEndEvent).toMatchObject({
      properties: { message: { $ref: '#/components/schemas/Message' } },
    });

    function answer(of: OpenApiDocument) {
      return of.paths['/api/rooms/{room}/events']?.get?.responses['200']?.content?.[
        'text/event-stream'
      ]?.schema;
    }
  });
});
