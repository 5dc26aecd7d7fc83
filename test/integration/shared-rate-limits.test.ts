/**
 * Shared limits (docs/architecture.md §6, §10): two real server processes on one real PostgreSQL
 * enforce one configured number together. The sessions-per-IP limit is 3: two sessions through
 * the first process and one through the second use it up, and then both refuse with 429 and
 * `Retry-After`. The processes are started as `npm start` would (test/helpers/chorus-process.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { PostgresRateLimiter } from '../../server/store/postgres-rate-limits.ts';
import { startChorusChild, type ChorusChild } from '../helpers/chorus-process.ts';
import { openTestPostgres } from '../helpers/databases.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const newSession = (server: ChorusChild, name: string) =>
  fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room: 'shared-limits', name }),
  });

/** Waits until at least `marginMs` are left in the current minute, so a test's hits share one window. */
async function awayFromMinuteEdge(marginMs: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

it('two processes on one PostgreSQL share the sessions-per-IP limit: the second sees the first one’s count', async () => {
  const database = await openTestPostgres({ max: 2 });
  cleanups.push(() => database.sql.close());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chorus-limits-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const env = {
    PORT: '0',
    DATABASE_URL: database.url,
    CHORUS_DATA_DIR: dataDir,
    CHORUS_JWT_SECRET: randomBytes(32).toString('hex'),
    CHORUS_LOG_LEVEL: 'warn',
    CHORUS_LIMIT_SESSIONS_PER_MINUTE: '3',
  };
  const children: ChorusChild[] = [];
  cleanups.push(() => Promise.all(children.map((child) => child.stop())));
  const first = await startChorusChild(env);
  children.push(first);
  const second = await startChorusChild(env);
  children.push(second);

  await awayFromMinuteEdge(15_000);
  expect((await newSession(first, 'Ada')).status).toBe(200);
  expect((await newSession(first, 'Grace')).status).toBe(200);
  expect((await newSession(second, 'Linus')).status).toBe(200);
  const refused = await newSession(second, 'Edsger');
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const body = (await refused.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('rate_limited');
  expect(body.error.message).toContain('the limit is 3 a minute');
  expect((await newSession(first, 'Barbara')).status).toBe(429);

  // The refused ones changed nothing: three participants joined, no more.
  const { rows } = await database.sql.query<{ count: number }>(
    "select count(*)::int as count from participants where room_id = 'shared-limits'",
  );
  expect(rows[0]!.count).toBe(3);
});

it('PostgresRateLimiter counts one window for every instance, stops counting past the limit, and starts again in the next window', async () => {
  const database = await openTestPostgres({ max: 4 });
  cleanups.push(() => database.sql.close());
  let now = 120_000 * 1000 + 30_000; // halfway through a minute
  const options = { limit: 2, windowMs: 60_000, now: () => now };
  const a = new PostgresRateLimiter(database.sql, 'posts', options);
  const b = new PostgresRateLimiter(database.sql, 'posts', options);
  const other = new PostgresRateLimiter(database.sql, 'sessions', options);

  expect(await a.hit('10.0.0.1')).toEqual({
    allowed: true,
    limit: 2,
    remaining: 1,
    retryAfterSeconds: 30,
  });
  expect(await b.hit('10.0.0.1')).toMatchObject({ allowed: true, remaining: 0 });
  const concurrent = await Promise.all([a.hit('10.0.0.1'), b.hit('10.0.0.1'), a.hit('10.0.0.1')]);
  expect(concurrent.map((decision) => decision.allowed)).toEqual([false, false, false]);
  expect(await other.hit('10.0.0.1')).toMatchObject({ allowed: true }); // limits count apart
  expect(await b.hit('10.0.0.2')).toMatchObject({ allowed: true }); // keys count apart
  const { rows } = await database.sql.query<{ hits: number }>(
    "select hits from rate_limit_windows where name = 'posts' and key = '10.0.0.1'",
  );
  expect(rows[0]!.hits).toBe(3); // a refused hit is not counted further

  now += 30_000; // the next window
  expect(await b.hit('10.0.0.1')).toMatchObject({
    allowed: true,
    remaining: 1,
    retryAfterSeconds: 60,
  });
});
