/**
 * Webhooks across server processes (docs/architecture.md §9). They survive `kill -9`: a server process on a real PostgreSQL is
 * killed while its POST of an event is in flight; the restarted process delivers the event once
 * the dead one's lease has expired, with the same `Chorus-Webhook-Id` and body, so the receiver
 * can deduplicate. Two processes on one database deliver every event once between them. A bad
 * webhook setting stops `npm start` with the problem listed. The processes are started as
 * `npm start` would (test/helpers/chorus-process.ts).
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { startChorusChild, type ChorusChild } from '../helpers/chorus-process.ts';
import { openTestPostgres } from '../helpers/databases.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';

const SECRET = randomBytes(24).toString('base64url');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface OutboxRow {
  id: string;
  status: string;
  attempts: number;
  lease_owner: string | null;
}

it('delivers an event after its process was killed mid-POST and restarted, with the same id', async () => {
  const database = await openTestPostgres({ max: 2 });
  cleanups.push(() => database.sql.close());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chorus-hooks-crash-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  let held = false;
  // The first POST of the human post's event is never answered: the process dies waiting.
  const hooks = await startWebhookReceiver(SECRET, (delivery) => {
    if (delivery.event.type !== 'message.created' || held) return 200;
    held = true;
    return 'hang';
  });
  cleanups.push(() => hooks.close());
  const env = {
    PORT: '0',
    DATABASE_URL: database.url,
    CHORUS_DATA_DIR: dataDir,
    CHORUS_JWT_SECRET: randomBytes(32).toString('hex'),
    CHORUS_LOG_LEVEL: 'info',
    CHORUS_WEBHOOK_URL: hooks.url,
    CHORUS_WEBHOOK_SECRET: SECRET,
    CHORUS_WEBHOOK_TIMEOUT_MS: '1000', // the lease is this plus 5 s
    CHORUS_OFFLINE_TOKENS_PER_SECOND: '400',
  };
  const children: ChorusChild[] = [];
  cleanups.push(() => Promise.all(children.map((child) => child.kill9())));
  const first = await startChorusChild(env);
  children.push(first);

  const session = await fetch(`${first.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room: 'crash-hooks', name: 'Ada' }),
  });
  expect(session.status).toBe(200);
  const { token } = (await session.json()) as { token: string };
  const messageId = randomUUID();
  const posted = await fetch(`${first.url}/api/rooms/crash-hooks/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: messageId, content: 'Is anyone there?' }),
  });
  expect(posted.status).toBe(201);
  const isThePost = (delivery: (typeof hooks.received)[number]) =>
    delivery.event.type === 'message.created' && delivery.event.data.message.id === messageId;
  const cut = await waitFor(() => hooks.received.find(isThePost), {
    timeoutMs: 10_000,
    what: 'the first POST',
  });

  await first.kill9();
  const outbox = () =>
    database.sql.query<OutboxRow>(
      'select id, status, attempts, lease_owner from webhook_outbox where id = $1',
      [cut.id],
    );
  expect((await outbox()).rows[0]).toMatchObject({ status: 'pending', attempts: 1 });
  expect((await outbox()).rows[0]!.lease_owner).not.toBeNull(); // the dead process's lease

  const restarted = await startChorusChild(env);
  children.push(restarted);
  await waitFor(async () => (await outbox()).rows[0]?.status === 'delivered', {
    timeoutMs: 20_000,
    intervalMs: 100,
    what: 'the delivery after the restart',
  });
  const deliveries = hooks.received.filter(isThePost);
  expect(deliveries.map((delivery) => [delivery.id, delivery.answered])).toEqual([
    [cut.id, 'hang'],
    [cut.id, 200],
  ]);
  expect(deliveries[1]!.body).toBe(cut.body);
  expect(hooks.refused).toEqual([]);
  expect((await outbox()).rows[0]).toMatchObject({ attempts: 2, lease_owner: null });
  expect(restarted.output()).toMatch(/"event":"webhook.delivered"/);
  expect(restarted.output()).not.toContain(SECRET);
  await restarted.stop();
}, 60_000);

/** A session and a poster for `room` on a running process. */
async function poster(url: string, room: string) {
  const session = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, name: 'Ada' }),
  });
  expect(session.status).toBe(200);
  const { token } = (await session.json()) as { token: string };
  return async (content: string) => {
    const posted = await fetch(`${url}/api/rooms/${room}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: randomUUID(), content }),
    });
    expect(posted.status).toBe(201);
  };
}

it('delivers every event once between two processes sharing one PostgreSQL', async () => {
  const database = await openTestPostgres({ max: 2 });
  cleanups.push(() => database.sql.close());
  const hooks = await startWebhookReceiver(SECRET);
  cleanups.push(() => hooks.close());
  const children: ChorusChild[] = [];
  cleanups.push(() => Promise.all(children.map((child) => child.kill9())));
  const jwtSecret = randomBytes(32).toString('hex');
  for (const name of ['a', 'b']) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `chorus-hooks-${name}-`));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    children.push(
      await startChorusChild({
        PORT: '0',
        DATABASE_URL: database.url,
        CHORUS_DATA_DIR: dataDir,
        CHORUS_JWT_SECRET: jwtSecret,
        CHORUS_WEBHOOK_URL: hooks.url,
        CHORUS_WEBHOOK_SECRET: SECRET,
        CHORUS_OFFLINE_TOKENS_PER_SECOND: '400',
        CHORUS_LIMIT_MESSAGES_PER_MINUTE: '1000',
        CHORUS_LIMIT_MESSAGES_PER_IP_PER_MINUTE: '1000',
      }),
    );
  }
  const posts = await Promise.all(
    children.map((child, index) => poster(child.url, `shared-${index}`)),
  );
  for (let round = 0; round < 10; round += 1)
    await Promise.all(posts.map((post) => post(`Question ${round}`)));
  const settled = async () => {
    const { rows } = await database.sql.query<{ status: string; type: string; id: string }>(
      'select id, type, status from webhook_outbox',
    );
    return rows.length === 40 && rows.every((row) => row.status === 'delivered') ? rows : null;
  };
  // 20 posts and their 20 replies.
  const rows = await waitFor(settled, {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: '40 deliveries',
  });
  expect(rows.filter((row) => row.type === 'message.created')).toHaveLength(20);
  expect(hooks.refused).toEqual([]);
  expect(hooks.received.map((delivery) => delivery.id).sort()).toEqual(
    rows.map((row) => row.id).sort(),
  );
}, 60_000);

it('refuses to start with a webhook URL that is not http(s) or a short secret, listing the problems and never the secret', async () => {
  const weak = 'not-long-enough-secret';
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('../../server/main.ts', import.meta.url))],
    {
      env: {
        ...process.env,
        PORT: '0',
        CHORUS_DATA_DIR: path.join(os.tmpdir(), `chorus-never-${randomUUID()}`),
        CHORUS_WEBHOOK_URL: 'ftp://example.com/hooks',
        CHORUS_WEBHOOK_SECRET: weak,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(1);
  expect(output).toContain('Invalid configuration:');
  expect(output).toMatch(/CHORUS_WEBHOOK_URL must be an http\(s\) URL/);
  expect(output).toContain('CHORUS_WEBHOOK_SECRET must be at least 32 characters');
  expect(output).not.toContain(weak);
  expect(output).not.toContain('Chorus is running');
}, 30_000);
