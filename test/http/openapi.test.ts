import type { Express } from 'express';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../server/http/create-app.ts';
import { openApiPath } from '../../server/http/openapi.ts';
import type { RoomEventSource, RoomService, RoomStore } from '../../server/http/room-service.ts';

/** The app with dependencies that must never be called: only its routes are inspected. */
function inspectableApp(messageChars = 8000): Express {
  const never = new Proxy({}, { get: (_target, name) => () => Promise.reject(new Error(`unexpected call: ${String(name)}`)) });
  return createApp({
    log: () => {},
    store: never as RoomStore,
    rooms: never as RoomService,
    roomEvents: never as RoomEventSource,
    jwtSecret: 'x'.repeat(40),
    identitySecret: null,
    realtime: { url: 'ws://localhost/realtime/v1', anonKey: 'anon' },
    ready: () => true,
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
        for (const [method, enabled] of Object.entries(layer.route.methods)) if (enabled && method !== '_all') found.push(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.handle.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack);
  return found;
}

async function documentOf(app: Express): Promise<{ openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>> }> {
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
      ]),
    );
    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routes.map((route) => route.replace(/ (.*)$/, (_match, path: string) => ` ${openApiPath(path)}`)).sort());
  });

  it('generates request schemas from the validators, with the configured limits', async () => {
    const document = await documentOf(inspectableApp(1234));
    const body = document.paths['/api/rooms/{room}/messages']?.post?.requestBody?.content['application/json']?.schema;
    expect(body).toMatchObject({
      type: 'object',
      required: ['id', 'content'],
      additionalProperties: false,
      properties: { content: { type: 'string', maxLength: 1234 }, id: { type: 'string', pattern: expect.any(String) } },
    });
    const session = document.paths['/api/session']?.post?.requestBody?.content['application/json']?.schema;
    expect(session).toMatchObject({
      required: ['room', 'name'],
      properties: { name: { maxLength: 40 }, identity: { anyOf: [{ type: 'string', description: expect.stringMatching(/identity JWT/) }, { required: ['userId', 'signature'] }] } },
    });
  });
});
