/**
 * `postgres_changes` through the embedded hub (docs/realtime-protocol.md §10), received by the
 * real `@supabase/supabase-js` client as a dashboard does: a running server (PGlite), a room
 * token from `POST /api/session` given to `client.realtime.setAuth`, the human post and an agent
 * reply (a scripted model) as INSERT and UPDATE events, filters, another room's token, a DELETE.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sessionResponseSchema, type SessionResponse } from '../../protocol/schemas/rest.ts';
import { signJwt } from '../../server/auth/jwt.ts';
import { startServer, type RunningServer } from '../../server/start-server.ts';
import type { Sql } from '../../server/store/sql.ts';
import { openTestPGlite } from '../helpers/databases.ts';
import { ScriptedChatModel, replyParts } from '../helpers/scripted-chat-model.ts';
import { throwawayConfig } from '../helpers/throwaway-config.ts';
import { waitFor } from '../helpers/wait-for.ts';

type Row = Record<string, unknown>;
/** What supabase-js hands a `postgres_changes` callback. */
interface Change {
  schema: string;
  table: string;
  commit_timestamp: string;
  eventType: 'INSERT' | 'UPDATE' | 'DELETE';
  new: Row;
  old: Row;
  errors: unknown;
}

let server: RunningServer;
let sql: Sql;
let removeDataDir: () => Promise<void>;
let model: ScriptedChatModel;
const clients: SupabaseClient[] = [];

beforeEach(async () => {
  model = new ScriptedChatModel();
  const throwaway = await throwawayConfig();
  removeDataDir = throwaway.removeDataDir;
  sql = await openTestPGlite();
  server = await startServer(throwaway.config, { sql, modelFor: () => model });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.removeAllChannels()));
  await server.close();
  await removeDataDir();
});

async function session(room: string, name: string): Promise<SessionResponse> {
  const response = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, name }),
  });
  expect(response.status).toBeLessThan(300);
  return sessionResponseSchema.parse(await response.json());
}

async function post(room: string, token: string, content: string): Promise<string> {
  const id = crypto.randomUUID();
  const response = await fetch(`${server.url}/api/rooms/${room}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ id, content }),
  });
  expect(response.status).toBeLessThan(300);
  return id;
}

/** A supabase-js client with `token`, subscribed to `bindings`; resolves once SUBSCRIBED. */
async function dashboard(
  token: string,
  bindings: Array<{ event: '*' | 'INSERT' | 'UPDATE' | 'DELETE'; table: string; filter?: string }>,
  topic = 'dashboard',
): Promise<Change[]> {
  const client = createClient(server.url, server.keys.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
  });
  clients.push(client);
  await client.realtime.setAuth(token);
  const received: Change[] = [];
  let channel = client.channel(topic);
  for (const binding of bindings)
    channel = channel.on(
      'postgres_changes',
      { schema: 'public', ...binding } as never,
      (payload: unknown) => received.push(payload as Change),
    );
  await new Promise<void>((resolve, reject) =>
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve();
      else reject(error ?? new Error(status));
    }),
  );
  return received;
}

const rowsOf = (changes: Change[], table: string) =>
  changes.filter((change) => change.table === table);

describe('postgres_changes through the embedded hub, with supabase-js', () => {
  it("delivers the human post's INSERT and the agent reply's INSERT and UPDATEs, ending complete", async () => {
    await server.store.rooms.ensureRoom({ id: 'lobby', title: 'Lobby', settings: {} });
    const ada = await session('lobby', 'Ada');
    const changes = await dashboard(ada.token, [{ event: '*', table: 'messages' }]);
    model.enqueue(
      [{ type: 'text-delta', delta: 'Hel' }, { type: 'wait', ms: 1300 }, ...replyParts('lo there')],
      ...Array.from({ length: 5 }, () => replyParts('Hi')),
    );

    const postId = await post('lobby', ada.token, 'Hello, agents');
    const human = await waitFor(
      () => changes.find((change) => change.eventType === 'INSERT' && change.new.id === postId),
      { timeoutMs: 5000, what: "the human post's INSERT" },
    );
    expect(human).toMatchObject({
      schema: 'public',
      table: 'messages',
      eventType: 'INSERT',
      errors: null,
      old: {},
      new: {
        id: postId,
        room_id: 'lobby',
        author_kind: 'human',
        author_name: 'Ada',
        content: 'Hello, agents',
        status: 'complete',
      },
    });
    expect(new Date(human!.commit_timestamp).getTime()).not.toBeNaN();
    expect(typeof human!.new.position).toBe('number');

    const reply = await waitFor(
      () =>
        changes.find(
          (change) =>
            change.eventType === 'INSERT' &&
            change.new.author_kind === 'agent' &&
            change.new.reply_to === postId,
        ),
      { timeoutMs: 5000, what: "the agent reply's INSERT" },
    );
    const replyId = reply!.new.id;
    expect(reply!.new).toMatchObject({ status: 'streaming', room_id: 'lobby' });
    const updates = await waitFor(
      () => {
        const found = changes.filter(
          (change) => change.eventType === 'UPDATE' && change.new.id === replyId,
        );
        return found.at(-1)?.new.status === 'complete' ? found : undefined;
      },
      { timeoutMs: 8000, what: "the agent reply's final UPDATE" },
    );
    expect(updates!.length, 'a checkpoint while streaming, then the end').toBeGreaterThanOrEqual(2);
    expect(updates!.at(-1)!.new).toMatchObject({ content: 'Hello there', status: 'complete' });
    for (const update of updates!) expect(update.old).toEqual({ id: replyId });
    expect(rowsOf(changes, 'rooms'), 'a messages binding receives no rooms').toEqual([]);
  });

  it('honours a filter, and gives a token of another room none of this room', async () => {
    await server.store.rooms.ensureRoom({ id: 'lobby', title: 'Lobby', settings: {} });
    await server.store.rooms.ensureRoom({ id: 'annex', title: 'Annex', settings: {} });
    const ada = await session('lobby', 'Ada');
    const bob = await session('annex', 'Bob');
    model.enqueue(...Array.from({ length: 10 }, () => replyParts('Hi')));
    const filtered = await dashboard(ada.token, [
      { event: 'INSERT', table: 'messages', filter: 'author_kind=eq.human' },
    ]);
    const elsewhere = await dashboard(bob.token, [{ event: '*', table: 'messages' }]);
    const neq = await dashboard(ada.token, [
      { event: 'INSERT', table: 'messages', filter: 'author_kind=neq.human' },
    ]);
    const inList = await dashboard(ada.token, [
      { event: 'INSERT', table: 'messages', filter: 'room_id=in.(annex,lobby)' },
    ]);

    const postId = await post('lobby', ada.token, 'Only for the lobby');
    await waitFor(() => neq.length > 0, { timeoutMs: 5000, what: "an agent's INSERT" });
    await waitFor(() => inList.length >= 2, { timeoutMs: 5000, what: 'two INSERTs' });
    expect(filtered.map((change) => change.new.id)).toEqual([postId]);
    expect(neq.every((change) => change.new.author_kind === 'agent')).toBe(true);

    const bobsPost = await post('annex', bob.token, 'Annex only');
    await waitFor(() => elsewhere.some((change) => change.new.id === bobsPost), {
      timeoutMs: 5000,
      what: "Bob's own INSERT",
    });
    expect(
      elsewhere.every((change) => change.new.room_id === 'annex'),
      'the annex token received nothing of the lobby',
    ).toBe(true);
    expect(filtered.map((change) => change.new.id)).toEqual([postId]);
    expect(inList.every((change) => change.new.room_id === 'lobby')).toBe(true);
  });

  it('delivers a room DELETE with `old` carrying the key, and the room UPDATE before it', async () => {
    await server.store.rooms.ensureRoom({ id: 'lobby', title: 'Lobby', settings: {} });
    const ada = await session('lobby', 'Ada');
    const rooms = await dashboard(ada.token, [{ event: '*', table: 'rooms' }]);
    await server.store.rooms.ensureRoom({ id: 'annex', title: 'Annex', settings: {} });
    const other = await dashboard((await session('annex', 'Bob')).token, [
      { event: '*', table: 'rooms' },
    ]);
    await sql.query('update rooms set title = $1 where id = $2', ['Renamed', 'lobby']);
    await sql.query('delete from rooms where id = $1', ['lobby']);
    const deleted = await waitFor(() => rooms.find((change) => change.eventType === 'DELETE'), {
      timeoutMs: 5000,
      what: 'the DELETE of the room',
    });
    expect(deleted).toMatchObject({
      schema: 'public',
      table: 'rooms',
      eventType: 'DELETE',
      new: {},
      old: { id: 'lobby' },
    });
    const renamed = rooms.find((change) => change.eventType === 'UPDATE');
    expect(renamed?.new).toMatchObject({ id: 'lobby', title: 'Renamed', parent_id: null });
    expect(other, "another room's token saw none of it").toEqual([]);
  });

  it('gives staff what docs/architecture.md §8 lets them read: an operator its room and its conversations, an admin and the service role everything', async () => {
    for (const id of ['support', 'helpdesk'])
      await server.store.rooms.ensureRoom({ id, title: id, settings: {} });
    const staff = (room: string, role: 'operator' | 'admin') =>
      signJwt(
        {
          iss: 'chorus',
          role: 'authenticated',
          sub: `staff:${role}`,
          room,
          name: role,
          chorus_role: role,
          exp: Math.floor(Date.now() / 1000) + 600,
        },
        server.jwtSecret,
      );
    const everything = [
      { event: '*' as const, table: 'messages' },
      { event: '*' as const, table: 'rooms' },
    ];
    const operator = await dashboard(staff('support', 'operator'), everything);
    const admin = await dashboard(staff('helpdesk', 'admin'), everything);
    const service = await dashboard(server.keys.serviceKey, everything);
    const guest = await dashboard((await session('support', 'Ada')).token, everything);

    const conversation = (id: string, parent: string) =>
      sql.query(
        `insert into rooms (id, title, parent_id, visitor_id, status) values ($1, $1, $2, 'guest:v', 'bot')`,
        [id, parent],
      );
    const message = (room: string) =>
      sql.query(
        `insert into messages (id, room_id, author_kind, author_id, author_name, content, status)
         values ($1, $2, 'system', 'system', 'System', $2, 'complete')`,
        [crypto.randomUUID(), room],
      );
    await conversation('c_support', 'support');
    await conversation('c_helpdesk', 'helpdesk');
    for (const room of ['support', 'c_support', 'helpdesk', 'c_helpdesk']) await message(room);
    await sql.query(`delete from messages where room_id = 'c_helpdesk'`);

    const seen = (changes: Change[]) =>
      changes.map(
        (change) =>
          `${change.table} ${change.eventType} ${String(
            change.table === 'rooms' ? (change.new.id ?? change.old.id) : change.new.room_id,
          )}`,
      );
    const all = [
      'rooms INSERT c_support',
      'rooms INSERT c_helpdesk',
      'messages INSERT support',
      'messages INSERT c_support',
      'messages INSERT helpdesk',
      'messages INSERT c_helpdesk',
      'messages DELETE undefined',
    ];
    await waitFor(() => service.length === all.length && admin.length === all.length, {
      timeoutMs: 5000,
      what: 'every change for the admin and the service role',
    });
    expect(seen(service)).toEqual(all);
    expect(seen(admin)).toEqual(all);
    expect(seen(operator)).toEqual([
      'rooms INSERT c_support',
      'messages INSERT support',
      'messages INSERT c_support',
    ]);
    expect(seen(guest), "a guest of the support room: its room's only").toEqual([
      'messages INSERT support',
    ]);
  });

  it("follows a refreshed token: after setAuth with another room's token, that room's rows and no more of the first", async () => {
    for (const id of ['lobby', 'annex'])
      await server.store.rooms.ensureRoom({ id, title: id, settings: {} });
    const ada = await session('lobby', 'Ada');
    const bob = await session('annex', 'Bob');
    const changes = await dashboard(ada.token, [{ event: 'UPDATE', table: 'rooms' }]);
    const client = clients.at(-1)!;
    await sql.query(`update rooms set title = 'Lobby 1' where id = 'lobby'`);
    await waitFor(() => changes.length === 1, { timeoutMs: 5000, what: "the lobby's UPDATE" });

    await client.realtime.setAuth(bob.token);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the access_token push lands
    await sql.query(`update rooms set title = 'Lobby 2' where id = 'lobby'`);
    await sql.query(`update rooms set title = 'Annex 1' where id = 'annex'`);
    await waitFor(() => changes.length === 2, { timeoutMs: 5000, what: "the annex's UPDATE" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(changes.map((change) => change.new.title)).toEqual(['Lobby 1', 'Annex 1']);
  });
});
