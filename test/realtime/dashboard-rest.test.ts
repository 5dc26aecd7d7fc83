/**
 * The first load of a Supabase dashboard (seed 000): `supabase.from('messages').select()` with the
 * real `@supabase/supabase-js` client against a running server (PGlite), answered by Chorus's
 * PostgREST-style read (`server/http/routes/postgrest.ts`) in the rows `postgres_changes` carries;
 * who reads which rows, and the errors supabase-js hands back.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sessionResponseSchema } from '../../protocol/schemas/rest.ts';
import { startServer, type RunningServer } from '../../server/start-server.ts';
import { openTestPGlite } from '../helpers/databases.ts';
import { ScriptedChatModel, replyParts } from '../helpers/scripted-chat-model.ts';
import { throwawayConfig } from '../helpers/throwaway-config.ts';
import { waitFor } from '../helpers/wait-for.ts';

type Row = Record<string, unknown>;

let server: RunningServer;
let removeDataDir: () => Promise<void>;
let model: ScriptedChatModel;
const clients: SupabaseClient[] = [];

beforeEach(async () => {
  model = new ScriptedChatModel();
  const throwaway = await throwawayConfig();
  removeDataDir = throwaway.removeDataDir;
  server = await startServer(throwaway.config, {
    sql: await openTestPGlite(),
    modelFor: () => model,
  });
  await server.store.rooms.ensureRoom({ id: 'lobby', title: 'Lobby', settings: {} });
  await server.store.rooms.ensureRoom({ id: 'annex', title: 'Annex', settings: {} });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.removeAllChannels()));
  await server.close();
  await removeDataDir();
});

async function tokenFor(room: string, name: string): Promise<string> {
  const response = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, name }),
  });
  return sessionResponseSchema.parse(await response.json()).token;
}

/** A dashboard's client: the room token as its access token, for REST and Realtime alike. */
function dashboardClient(token: string | null): SupabaseClient {
  const client = createClient(server.url, server.keys.anonKey, {
    ...(token === null ? {} : { accessToken: async () => token }),
    realtime: { transport: WebSocket as never },
  });
  clients.push(client);
  return client;
}

async function post(token: string, content: string): Promise<string> {
  const id = crypto.randomUUID();
  const response = await fetch(`${server.url}/api/rooms/lobby/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ id, content }),
  });
  expect(response.status).toBeLessThan(300);
  return id;
}

/** Posts `content` and waits for every agent's reply to it to be complete. */
async function postAndWaitForReplies(token: string, content: string): Promise<string> {
  model.enqueue(...Array.from({ length: 5 }, () => replyParts('Hello from an agent')));
  const id = await post(token, content);
  await waitFor(
    async () => {
      const page = await server.store.transcript.listMessages('lobby', { limit: 50 });
      const replies = page.messages.filter((message) => message.replyTo === id);
      return replies.length > 0 && replies.every((reply) => reply.status === 'complete');
    },
    { timeoutMs: 8000, what: 'the replies to be complete' },
  );
  return id;
}

describe("a dashboard's first load with supabase-js's from('messages').select()", () => {
  it('loads the room in order, in the very rows postgres_changes sends', async () => {
    const token = await tokenFor('lobby', 'Ada');
    const supabase = dashboardClient(token);
    // realtime-js sends a join before an async accessToken resolves: wait for it first.
    await supabase.realtime.setAuth();
    const live: Row[] = [];
    await new Promise<void>((resolve, reject) =>
      supabase
        .channel('conversation:lobby')
        .on(
          'postgres_changes',
          { event: 'INSERT', schema: 'public', table: 'messages', filter: 'room_id=eq.lobby' },
          (payload) => live.push(payload.new),
        )
        .subscribe((status, error) =>
          status === 'SUBSCRIBED' ? resolve() : reject(error ?? new Error(status)),
        ),
    );
    const postId = await postAndWaitForReplies(token, 'Hello, agents');

    const { data, error } = await supabase
      .from('messages')
      .select('*')
      .eq('room_id', 'lobby')
      .order('created_at', { ascending: true });

    expect(error).toBeNull();
    const rows = data as Row[];
    expect(rows[0]).toMatchObject({
      id: postId,
      room_id: 'lobby',
      author_kind: 'human',
      author_name: 'Ada',
      content: 'Hello, agents',
      status: 'complete',
    });
    const replies = rows.slice(1);
    expect(replies.length).toBeGreaterThan(0);
    for (const reply of replies)
      expect(reply).toMatchObject({ author_kind: 'agent', reply_to: postId, status: 'complete' });
    const inserted = await waitFor(() => live.find((row) => row.id === postId), {
      timeoutMs: 5000,
      what: "the post's INSERT",
    });
    expect(Object.keys(rows[0]!).sort()).toEqual(Object.keys(inserted!).sort());
  });

  it('picks columns, filters with in, orders descending and limits', async () => {
    const token = await tokenFor('lobby', 'Ada');
    await postAndWaitForReplies(token, 'First');
    await postAndWaitForReplies(token, 'Second');

    const { data, error } = await dashboardClient(token)
      .from('messages')
      .select('id, content')
      .in('author_kind', ['human'])
      .order('position', { ascending: false })
      .limit(1);

    expect(error).toBeNull();
    expect(data).toEqual([{ id: expect.any(String), content: 'Second' }]);
  });

  it("reads only its own room's rows, and nothing without a room token", async () => {
    await postAndWaitForReplies(await tokenFor('lobby', 'Ada'), 'Only for the lobby');
    const stranger = dashboardClient(await tokenFor('annex', 'Eve'));

    const filtered = await stranger.from('messages').select('*').eq('room_id', 'lobby');
    const unfiltered = await stranger.from('messages').select('*');
    expect(filtered).toMatchObject({ data: [], error: null });
    expect(unfiltered).toMatchObject({ data: [], error: null });

    const anonymous = await dashboardClient(null).from('messages').select('*');
    expect(anonymous.status).toBe(401);
    expect(anonymous.error).toMatchObject({ code: 'PGRST301' });
    expect(anonymous.error!.message).toMatch(/not a room token/);
  });

  it('lets the service key read every room', async () => {
    await postAndWaitForReplies(await tokenFor('lobby', 'Ada'), 'In the lobby');
    const service = dashboardClient(server.keys.serviceKey);

    const { data, error } = await service
      .from('messages')
      .select('room_id')
      .eq('author_kind', 'human');
    expect(error).toBeNull();
    expect(data).toEqual([{ room_id: 'lobby' }]);
  });

  it('answers mistakes with the PostgREST errors supabase-js reports, and .single() as an object', async () => {
    const token = await tokenFor('lobby', 'Ada');
    const postId = await postAndWaitForReplies(token, 'Hello');
    const supabase = dashboardClient(token);

    const table = await supabase.from('participants').select('*');
    expect(table).toMatchObject({ status: 404, error: { code: 'PGRST205' } });
    const column = await supabase.from('messages').select('*').eq('conversation_id', 'lobby');
    expect(column).toMatchObject({ status: 400, error: { code: '42703' } });
    expect(column.error!.message).toContain('conversation_id');
    const value = await supabase.from('messages').select('*').eq('id', 'not-a-uuid');
    expect(value).toMatchObject({ status: 400, error: { code: '22P02' } });
    const write = await supabase.from('messages').insert({ room_id: 'lobby', content: 'x' });
    expect(write).toMatchObject({ status: 405, error: { code: 'PGRST105' } });
    const limit = await supabase.from('messages').select('*').limit(-1);
    expect(limit.error).not.toBeNull();

    const many = await supabase.from('messages').select('*').single();
    expect(many).toMatchObject({ status: 406, error: { code: 'PGRST116' } });
    const one = await supabase.from('messages').select('id, content').eq('id', postId).single();
    expect(one).toMatchObject({ error: null, data: { id: postId, content: 'Hello' } });
  });
});
