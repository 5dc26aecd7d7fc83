/**
 * The server as `npm start` runs it: the embedded PostgreSQL server or PGlite in `CHORUS_DATA_DIR`
 * (not the test template), or a real Postgres server through `DATABASE_URL`; nothing stubbed, readiness included. And the
 * settings that shape what it tells browsers (`CHORUS_PUBLIC_URL`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { startServer, type RunningServer } from '../../server/start-server.ts';
import { startChorusServer } from '../helpers/chorus-server.ts';
import { openTestPostgres } from '../helpers/databases.ts';

const START_TIMEOUT_MS = 120_000;
const running: RunningServer[] = [];
const folders: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
  await Promise.all(
    folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })),
  );
});

/** A data folder two levels below a fresh temporary one: neither level exists yet. */
async function missingDataDir(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'chorus-start-'));
  folders.push(root);
  return path.join(root, 'not-yet', 'data');
}

async function start(env: Record<string, string>): Promise<RunningServer> {
  // PGlite unless a test says otherwise (test/integration/embedded-postgres.test.ts runs the other).
  const server = await startServer(
    loadConfig({
      PORT: '0',
      CHORUS_LOG_LEVEL: 'error',
      CHORUS_EMBEDDED_DATABASE: 'pglite',
      ...env,
    }),
  );
  running.push(server);
  return server;
}

/**
 * Every folder and file under `folder` (itself included) whose mode is not owner-only; `top` is
 * the mode `folder` itself must have.
 */
async function notPrivate(folder: string, top = 0o700): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const found: string[] = [];
  for (const entry of [
    { path: folder, folder: true },
    ...entries.map((item) => ({
      path: path.join(item.parentPath, item.name),
      folder: item.isDirectory(),
    })),
  ]) {
    const mode = (await stat(entry.path)).mode & 0o777;
    const expected = entry.path === folder ? top : entry.folder ? 0o700 : 0o600;
    if (mode !== expected)
      found.push(`${mode.toString(8)} ${path.relative(folder, entry.path) || '.'}`);
  }
  return found;
}

async function post(
  server: RunningServer,
  route: string,
  body: unknown,
  token?: string,
): Promise<Response> {
  return fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

describe('PGlite in the data folder (CHORUS_EMBEDDED_DATABASE=pglite)', () => {
  it(
    'starts with CHORUS_JWT_SECRET set and a data folder that does not exist yet, and GET /readyz answers 200',
    async () => {
      const dataDir = await missingDataDir();
      const server = await start({
        CHORUS_DATA_DIR: dataDir,
        CHORUS_JWT_SECRET: randomBytes(32).toString('hex'),
      });
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
    },
    START_TIMEOUT_MS,
  );

  it(
    'keeps the data folder private (folders 700, files 600) after start, while it writes and after it stops',
    async () => {
      const dataDir = await missingDataDir();
      const server = await start({ CHORUS_DATA_DIR: dataDir });
      expect(await notPrivate(dataDir)).toEqual([]);
      const session = await post(server, '/api/session', { room: 'private-room', name: 'Grace' });
      const { token } = (await session.json()) as { token: string };
      for (let index = 0; index < 3; index += 1) {
        expect(
          (
            await post(
              server,
              '/api/rooms/private-room/messages',
              { id: randomUUID(), content: `note ${index}` },
              token,
            )
          ).status,
        ).toBe(201);
      }
      expect(await notPrivate(dataDir)).toEqual([]);
      running.splice(running.indexOf(server), 1);
      await server.close();
      expect(await notPrivate(dataDir)).toEqual([]);
    },
    START_TIMEOUT_MS,
  );
});

describe('the embedded PostgreSQL server in the data folder (the default install)', () => {
  it(
    'keeps the data folder private: the cluster owner-only, the folder itself passable by name only when root runs the cluster as another user',
    async () => {
      // As root, the cluster's user must pass through every folder above the data folder.
      const root = await mkdtemp(path.join(os.tmpdir(), 'chorus-start-'));
      folders.push(root);
      await chmod(root, 0o711);
      const dataDir = path.join(root, 'data');
      const server = await start({
        CHORUS_DATA_DIR: dataDir,
        CHORUS_EMBEDDED_DATABASE: 'postgres',
      });
      const top = process.getuid?.() === 0 ? 0o711 : 0o700;
      expect(await notPrivate(dataDir, top)).toEqual([]);
      const session = await post(server, '/api/session', { room: 'private-pg', name: 'Grace' });
      expect(session.status).toBe(200);
      running.splice(running.indexOf(server), 1);
      await server.close();
      expect(await notPrivate(dataDir, top)).toEqual([]);
    },
    START_TIMEOUT_MS,
  );
});

describe('PostgreSQL (DATABASE_URL)', () => {
  it(
    'GET /readyz answers 200',
    async () => {
      const { sql, url } = await openTestPostgres({ migrated: false });
      await sql.close();
      const server = await start({
        DATABASE_URL: url,
        CHORUS_DATA_DIR: await missingDataDir(),
        CHORUS_JWT_SECRET: randomBytes(32).toString('hex'),
      });
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
    },
    START_TIMEOUT_MS,
  );
});

describe('CHORUS_PUBLIC_URL', () => {
  it(
    'makes the realtime URL of every session, whatever the Host',
    async () => {
      const server = await startChorusServer({
        env: { CHORUS_PUBLIC_URL: 'https://chat.example.com/' },
      });
      try {
        const answer = await new Promise<{ status: number; body: { realtime: { url: string } } }>(
          (resolve, reject) => {
            const outgoing = http.request(
              `${server.url}/api/session`,
              {
                method: 'POST',
                headers: { host: 'evil.example', 'content-type': 'application/json' },
              },
              (incoming) => {
                let text = '';
                incoming.on('data', (chunk: Buffer) => (text += chunk));
                incoming.on('end', () =>
                  resolve({ status: incoming.statusCode ?? 0, body: JSON.parse(text) }),
                );
              },
            );
            outgoing.on('error', reject);
            outgoing.end(JSON.stringify({ room: 'public-url', name: 'Grace' }));
          },
        );
        expect(answer.status).toBe(200);
        expect(answer.body.realtime.url).toBe('wss://chat.example.com/realtime/v1');
      } finally {
        await server.close();
      }
    },
    START_TIMEOUT_MS,
  );

  it('must be an http(s) origin without a path', () => {
    for (const value of [
      'chat.example.com',
      'ftp://chat.example.com',
      'https://chat.example.com/chorus',
      'https://user:pass@chat.example.com',
    ]) {
      expect(() => loadConfig({ CHORUS_PUBLIC_URL: value }), value).toThrow(
        /CHORUS_PUBLIC_URL must be the http\(s\) origin browsers reach this server at/,
      );
    }
    expect(loadConfig({ CHORUS_PUBLIC_URL: 'http://localhost:8080/' }).publicUrl).toBe(
      'http://localhost:8080',
    );
  });
});
