import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Message } from '../../protocol/room.ts';
import {
  agentMessage,
  humanMessage,
  messageStart,
  SAGE,
} from '../../protocol/test-support/messages.ts';
import { FakeRoomServer, fakeChannels, memoryStorage } from '../test-support/fake-room-server.ts';
import { RoomClient, type RoomClientOptions } from './room-client.ts';
import type { LiveEvent } from './room-connection.ts';
import type { SessionResponse } from './api-types.ts';
import { shareSession, type SharedSession } from './shared-session.ts';

const clients: RoomClient[] = [];

function setup(options: Partial<RoomClientOptions> = {}) {
  const server = new FakeRoomServer();
  const channels = fakeChannels();
  const storage = memoryStorage();
  const client = new RoomClient({
    server: 'https://chat.test',
    room: 'lobby',
    user: { name: 'Ada' },
    fetch: server.fetch,
    createChannel: channels.create,
    storage,
    random: () => 0.5,
    ...options,
  });
  clients.push(client);
  const states: string[] = [];
  const live: LiveEvent[] = [];
  const errors: string[] = [];
  client.on('state', (state) => states.push(state.status));
  client.on('live', (event) => live.push(event));
  client.on('error', (error) => errors.push(error.code));
  return { server, channels, storage, client, states, live, errors };
}

/** Connects and joins: the channel reports SUBSCRIBED and the catch-up completes. */
async function joined(context: ReturnType<typeof setup>) {
  context.client.connect();
  await vi.waitFor(() => expect(context.channels.channels.length).toBe(1));
  context.channels.last.status('SUBSCRIBED');
  await vi.waitFor(() => expect(context.client.state().status).toBe('open'));
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(clients.splice(0).map((client) => client.disconnect()));
});

describe('RoomClient', () => {
  it('opens a session, loads the room, joins the channel with presence, and catches up', async () => {
    const context = setup();
    const hello = humanMessage({ id: 'h1' });
    context.server.messages.push(hello);
    await joined(context);
    expect(context.states).toEqual(['connecting', 'open']);
    expect(context.client.session()).toEqual({
      participant: { id: 'guest:1', name: 'Ada' },
      room: {
        id: 'lobby',
        parent: null,
        kind: 'shared',
        title: 'Lobby',
        status: null,
        welcome: '',
        starters: [],
        handoff: false,
      },
    });
    expect(context.client.room()?.agents.map((agent) => agent.handle)).toEqual([
      'sage',
      'scout',
      'muse',
    ]);
    expect(context.channels.last.options).toMatchObject({
      roomId: 'lobby',
      presenceKey: 'guest:1',
      token: 'token-1',
      apikey: 'anon',
      url: 'ws://fake/realtime/v1',
    });
    await vi.waitFor(() =>
      expect(context.channels.last.tracked).toEqual([
        { kind: 'human', id: 'guest:1', name: 'Ada' },
      ]),
    );
    expect(context.client.messages()).toEqual([hello]);
    expect(context.server.requestsTo('/api/rooms/lobby/messages')[0]?.authorization).toBe(
      'Bearer token-1',
    );
  });

  it('buffers events that arrive while the snapshot is fetched and applies them after it', async () => {
    const context = setup();
    const reply = agentMessage({ id: 'r1', author: SAGE });
    context.server.messages.push({ ...reply, content: 'Hel', seq: 1 });
    context.client.connect();
    await vi.waitFor(() => expect(context.channels.channels.length).toBe(1));
    context.channels.last.status('SUBSCRIBED');
    // Before the snapshot is in: a duplicate and the next delta.
    context.channels.last.broadcast('text-delta', { id: 'r1', seq: 1, delta: 'Hel' });
    context.channels.last.broadcast('text-delta', { id: 'r1', seq: 2, delta: 'lo' });
    await vi.waitFor(() => expect(context.client.state().status).toBe('open'));
    expect(context.client.messages()[0]).toMatchObject({ content: 'Hello', seq: 2 });
    expect(context.live.map((entry) => entry.event)).toEqual(['text-delta']);
  });

  it('refetches on a gap and converges', async () => {
    const context = setup();
    await joined(context);
    const reply = agentMessage({ id: 'r1', author: SAGE });
    context.channels.last.broadcast('message-start', messageStart(reply));
    context.channels.last.broadcast('text-delta', { id: 'r1', seq: 1, delta: 'a' });
    context.server.messages.push({ ...reply, content: 'abc', seq: 3 });
    const before = context.server.requestsTo('/api/rooms/lobby/messages').length;
    context.channels.last.broadcast('text-delta', { id: 'r1', seq: 4, delta: 'd' }); // 2 and 3 were lost
    context.channels.last.broadcast('text-delta', { id: 'r1', seq: 5, delta: 'e' });
    await vi.waitFor(() =>
      expect(context.client.messages()[0]).toMatchObject({ content: 'abcde', seq: 5 }),
    );
    expect(context.server.requestsTo('/api/rooms/lobby/messages').length).toBe(before + 1); // two gaps, one refetch
  });

  it('announces live events once: not duplicates, not history', async () => {
    const context = setup();
    const old = humanMessage({ id: 'h0' });
    context.server.messages.push(old);
    await joined(context);
    const hello = humanMessage({ id: 'h1' });
    context.channels.last.broadcast('message', { message: old });
    context.channels.last.broadcast('message', { message: hello });
    context.channels.last.broadcast('message', { message: hello });
    expect(context.live.map((entry) => (entry.payload as { message: Message }).message.id)).toEqual(
      ['h1'],
    );
  });

  it('after a crash, keeps the reply text already shown, live, in its announcement and after a catch-up', async () => {
    const context = setup();
    await joined(context);
    const reply = agentMessage({ id: 'r1', author: SAGE });
    const shown = "I'm not sure: the second plan costs less.";
    context.channels.last.broadcast('message-start', messageStart(reply));
    context.channels.last.broadcast('text-delta', { id: 'r1', seq: 1, delta: "I'm not" });
    context.channels.last.broadcast('text-delta', {
      id: 'r1',
      seq: 2,
      delta: ' sure: the second plan costs less.',
    });
    // The streaming process died; another recovers the run from its last checkpoint.
    const recovered: Message = { ...reply, content: "I'm not", seq: 1, status: 'interrupted' };
    context.server.messages.push(recovered);
    context.channels.last.broadcast('message-end', { message: recovered });
    expect(context.client.messages()).toEqual([{ ...recovered, content: shown }]);
    expect(context.live.at(-1)).toEqual({
      event: 'message-end',
      payload: { message: { ...recovered, content: shown } },
    });
    context.channels.last.status('CHANNEL_ERROR', new Error('socket closed'));
    context.channels.last.status('SUBSCRIBED');
    await vi.waitFor(() => expect(context.client.state().status).toBe('open'));
    expect(context.client.messages()).toEqual([{ ...recovered, content: shown }]);
  });

  it('shows reconnecting on a channel loss, and catches up what it missed when it rejoins', async () => {
    const context = setup();
    await joined(context);
    context.channels.last.status('CHANNEL_ERROR', new Error('socket closed'));
    expect(context.client.state()).toMatchObject({ status: 'reconnecting', attempt: 1 });
    const missed = humanMessage({ id: 'h2', content: 'while you were away' });
    context.server.messages.push(missed);
    context.channels.last.status('SUBSCRIBED');
    await vi.waitFor(() => expect(context.client.state().status).toBe('open'));
    expect(context.client.messages()).toEqual([missed]);
    expect(context.states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    expect(context.channels.last.tracked).toHaveLength(2); // presence again after the rejoin
  });

  it('walks back pages after a long disconnection so no hole is left', async () => {
    const context = setup({ pageSize: 2 });
    context.server.messages.push(humanMessage({ id: 'h1' }), humanMessage({ id: 'h2' }));
    await joined(context);
    context.channels.last.status('CHANNEL_ERROR', new Error('offline'));
    for (let index = 3; index <= 7; index++)
      context.server.messages.push(humanMessage({ id: `h${index}` }));
    context.channels.last.status('SUBSCRIBED');
    await vi.waitFor(() => expect(context.client.state().status).toBe('open'));
    expect(context.client.messages().map((message) => message.id)).toEqual([
      'h1',
      'h2',
      'h3',
      'h4',
      'h5',
      'h6',
      'h7',
    ]);
  });

  it('pages back through history with the cursor', async () => {
    const context = setup({ pageSize: 2 });
    for (let index = 1; index <= 5; index++)
      context.server.messages.push(humanMessage({ id: `h${index}` }));
    await joined(context);
    expect(context.client.messages().map((message) => message.id)).toEqual(['h4', 'h5']);
    expect(context.client.hasOlder()).toBe(true);
    await context.client.loadOlder();
    await context.client.loadOlder();
    expect(context.client.messages().map((message) => message.id)).toEqual([
      'h1',
      'h2',
      'h3',
      'h4',
      'h5',
    ]);
    expect(context.client.hasOlder()).toBe(false);
  });

  it('refreshes the token before it expires, keeping the participant, and hands it to the channel', async () => {
    vi.useFakeTimers();
    const context = setup();
    context.server.ttlMs = 60_000;
    await joined(context);
    await vi.advanceTimersByTimeAsync(50_000);
    const sessions = context.server.requestsTo('/api/session', 'POST');
    expect(sessions).toHaveLength(2);
    expect(sessions[1]?.authorization).toBe('Bearer token-1');
    expect(context.channels.last.tokens).toEqual(['token-1', 'token-2']);
    expect(context.client.session()?.participant.id).toBe('guest:1');
    expect(context.channels.channels).toHaveLength(1);
  });

  it('reuses the tab’s stored token after a reload, and starts afresh when it is refused', async () => {
    const first = setup();
    await joined(first);
    const stored = [...first.storage.data.values()];
    expect(stored).toEqual(['token-1']);

    const reloaded = setup();
    reloaded.server.fail(
      (request) => request.path === '/api/session' && request.authorization !== null,
      401,
      'unauthorized',
    );
    reloaded.storage.setItem('chorus:session:https://chat.test:lobby:Ada', 'forged');
    await joined(reloaded);
    const sessions = reloaded.server.requestsTo('/api/session', 'POST');
    expect(sessions.map((request) => request.authorization)).toEqual(['Bearer forged', null]);
  });

  it('treats a refused session as an error state until reconnect()', async () => {
    const context = setup();
    context.server.fail((request) => request.path === '/api/session', 403, 'identity_required');
    context.client.connect();
    await vi.waitFor(() => expect(context.client.state().status).toBe('error'));
    expect(context.client.state().error?.code).toBe('identity_required');
    expect(context.errors).toEqual(['identity_required']);
    context.client.reconnect();
    await vi.waitFor(() => expect(context.channels.channels).toHaveLength(1));
    context.channels.last.status('SUBSCRIBED');
    await vi.waitFor(() => expect(context.client.state().status).toBe('open'));
  });

  it('retries a session that failed on the network, with back-off', async () => {
    vi.useFakeTimers();
    const context = setup();
    context.server.fail((request) => request.path === '/api/session', 0, 'network', 2);
    context.client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(context.client.state()).toMatchObject({ status: 'reconnecting', attempt: 1 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(context.server.requestsTo('/api/session', 'POST')).toHaveLength(3);
    expect(context.channels.channels).toHaveLength(1);
  });

  it('reopens the channel with a fresh token when the server closes it', async () => {
    vi.useFakeTimers();
    const context = setup();
    await joined(context);
    const first = context.channels.last;
    first.status('CLOSED');
    expect(context.client.state().status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(first.closed).toBe(true);
    expect(context.channels.channels).toHaveLength(2);
    expect(context.channels.last.options.token).toBe('token-2');
  });

  it('refreshes the token and retries a request once on a 401', async () => {
    const context = setup();
    await joined(context);
    context.server.fail((request) => request.path === '/api/rooms/lobby/stop', 401, 'unauthorized');
    await context.client.stop({ all: true });
    expect(context.server.stops).toEqual([{ all: true }]);
    expect(
      context.server
        .requestsTo('/api/rooms/lobby/stop', 'POST')
        .map((request) => request.authorization),
    ).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('posts idempotently: the same id twice is one message', async () => {
    const context = setup();
    await joined(context);
    const first = await context.client.postMessage({
      id: '6f1c1c8e-3a1b-4b5c-9d7e-0a1b2c3d4e5f',
      content: 'Hi',
    });
    const again = await context.client.postMessage({
      id: '6f1c1c8e-3a1b-4b5c-9d7e-0a1b2c3d4e5f',
      content: 'Hi',
    });
    expect(again).toEqual(first);
    expect(context.server.messages).toHaveLength(1);
  });

  it('regenerates and stops through REST', async () => {
    const context = setup();
    await joined(context);
    expect(await context.client.regenerate('r1')).toBe('regen-r1');
    await context.client.stop({ messageId: 'r1' });
    await context.client.stop({ agentId: 'sage' });
    expect(context.server.stops).toEqual([{ messageId: 'r1' }, { agentId: 'sage' }]);
  });

  it('sends typing throttled, stops it after idling, and ignores its own echo', async () => {
    vi.useFakeTimers();
    const context = setup();
    await joined(context);
    const typing: string[] = [];
    context.client.on('typing', (payload) => typing.push(`${payload.name}:${payload.typing}`));
    for (let index = 0; index < 10; index++) {
      context.client.setTyping(true);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(context.channels.last.typing).toEqual([
      { participantId: 'guest:1', name: 'Ada', typing: true },
    ]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(context.channels.last.typing.map((payload) => payload.typing)).toEqual([true, false]);
    context.channels.last.broadcast('typing', {
      participantId: 'guest:1',
      name: 'Ada',
      typing: true,
    });
    context.channels.last.broadcast('typing', {
      participantId: 'guest:2',
      name: 'Grace',
      typing: true,
    });
    expect(typing).toEqual(['Grace:true']);
  });

  it('refetches a streaming reply that went quiet (a lost message-end)', async () => {
    vi.useFakeTimers();
    const context = setup({ staleMs: 10_000, watchdogMs: 1_000 });
    await joined(context);
    const reply = agentMessage({ id: 'r1', author: SAGE });
    context.channels.last.broadcast('message-start', messageStart(reply));
    const final: Message = { ...reply, content: 'done', status: 'complete', seq: 1 };
    context.server.messages.push(final);
    await vi.advanceTimersByTimeAsync(12_000);
    expect(context.client.messages()).toEqual([final]);
  });

  it('renames: a new token with the new name, same participant, presence updated', async () => {
    const context = setup();
    await joined(context);
    await context.client.setUser({ name: 'Ada L.' });
    expect(context.client.session()?.participant).toEqual({ id: 'guest:1', name: 'Ada L.' });
    await vi.waitFor(() =>
      expect(context.channels.last.tracked.at(-1)).toEqual({
        kind: 'human',
        id: 'guest:1',
        name: 'Ada L.',
      }),
    );
  });

  it('speaks as a user the host vouches for with an identity JWT, or the older signature', async () => {
    const context = setup();
    await joined(context);
    await context.client.setUser({ name: 'Ada', identity: 'header.claims.signature' });
    await context.client.setUser({
      name: 'Ada',
      identity: { userId: 'ada-1', signature: 'a'.repeat(64) },
    });
    const bodies = context.server
      .requestsTo('/api/session', 'POST')
      .map((request) => (request.body as { identity?: unknown }).identity);
    expect(bodies).toEqual([
      undefined,
      'header.claims.signature',
      { userId: 'ada-1', signature: 'a'.repeat(64) },
    ]);
  });

  describe('in a support room (docs/architecture.md §8)', () => {
    it('follows the session to the visitor’s conversation: REST calls and the channel use its id', async () => {
      const context = setup({ room: 'help' });
      context.server.support = { handoff: true };
      await joined(context);
      expect(context.client.session()?.room).toMatchObject({
        id: 'c_1',
        parent: 'help',
        kind: 'support',
        status: 'bot',
        handoff: true,
      });
      expect(context.channels.last.options.roomId).toBe('c_1');
      await context.client.postMessage({ id: 'm1', content: 'Hello?' });
      const rest = context.server.requests.filter((request) => request.path !== '/api/session');
      expect(rest.map((request) => request.path.split('?')[0])).toEqual([
        '/api/rooms/c_1',
        '/api/rooms/c_1/messages',
        '/api/rooms/c_1/messages',
      ]);
      expect(context.server.conversations.get('c_1')?.messages.map((m) => m.content)).toEqual([
        'Hello?',
      ]);
      // The session still asks for the support room: the server finds the conversation from the token.
      const [session] = context.server.requestsTo('/api/session', 'POST');
      expect(session?.body).toMatchObject({ room: 'help' });
    });

    it('keeps the same conversation on refresh and after a reload (the token as bearer)', async () => {
      vi.useFakeTimers();
      const first = setup({ room: 'help' });
      first.server.support = { handoff: true };
      first.server.ttlMs = 60_000;
      await joined(first);
      await vi.advanceTimersByTimeAsync(50_000);
      expect(first.server.requestsTo('/api/session', 'POST')).toHaveLength(2);
      expect(first.client.session()?.room.id).toBe('c_1');
      expect(first.channels.channels).toHaveLength(1);

      const reloaded = setup({ room: 'help', storage: first.storage, fetch: first.server.fetch });
      await joined(reloaded);
      expect(reloaded.client.session()?.room.id).toBe('c_1');
      expect(reloaded.channels.last.options.roomId).toBe('c_1');
      expect(first.server.conversations.size).toBe(1);
    });

    it('asks for a person, and shows the new status at once as a live event', async () => {
      const context = setup({ room: 'help' });
      context.server.support = { handoff: true };
      await joined(context);
      expect(await context.client.handoff('human')).toBe('waiting');
      expect(context.server.requestsTo('/api/rooms/c_1/handoff', 'POST')[0]?.body).toEqual({
        to: 'human',
      });
      expect(context.live.at(-1)).toEqual({
        event: 'conversation-status',
        payload: { status: 'waiting', by: { id: 'guest:1', name: 'Ada' } },
      });
    });

    it('after a loss, learns the status it missed from the room when it rejoins', async () => {
      const context = setup({ room: 'help' });
      context.server.support = { handoff: true };
      await joined(context);
      const channel = context.channels.last;
      channel.status('CHANNEL_ERROR', new Error('socket closed'));
      context.server.conversations.get('c_1')!.status = 'human'; // taken over meanwhile
      const live = context.live.length;
      channel.status('SUBSCRIBED');
      await vi.waitFor(() => expect(context.client.state().status).toBe('open'));
      expect(context.server.requestsTo('/api/rooms/c_1')).toHaveLength(2);
      expect(context.live.slice(live)).toEqual([
        { event: 'conversation-status', payload: { status: 'human', by: null } },
      ]);
    });

    it('passes status and mute broadcasts on, and removes a deleted message in place', async () => {
      const context = setup({ room: 'help' });
      context.server.support = { handoff: true };
      await joined(context);
      const before = context.live.length;
      await context.client.postMessage({ id: 'm1', content: 'rude words' });
      await context.client.postMessage({ id: 'm2', content: 'sorry' });
      const staff = { id: 'user:grace', name: 'Grace', role: 'operator' as const };
      context.channels.last.broadcast('conversation-status', { status: 'human', by: staff });
      context.channels.last.broadcast('participant-muted', {
        participantId: 'guest:1',
        muted: true,
        until: null,
      });
      context.channels.last.broadcast('message-deleted', { id: 'm1' });
      expect(context.live.slice(before).map((live) => live.event)).toEqual([
        'conversation-status',
        'participant-muted',
        'message-deleted',
      ]);
      expect(context.client.messages().map((m) => `${m.id}:${m.status}:${m.content}`)).toEqual([
        'm1:deleted:',
        'm2:complete:sorry',
      ]);
    });
  });

  describe('on a session it does not own (staff reading a conversation)', () => {
    /** A staff session of the support room `help`, kept by its owner (the inbox's StaffSession). */
    async function ownerSession(server: FakeRoomServer) {
      const create = async (bearer?: string) => {
        const response = await server.fetch('https://chat.test/api/session', {
          method: 'POST',
          headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
          body: JSON.stringify({ room: 'help', name: 'Ada' }),
        });
        return (await response.json()) as SessionResponse;
      };
      let session = await create();
      server.staff.add(session.participant.id);
      const listeners = new Set<(session: SessionResponse) => void>();
      const owner = {
        refreshes: 0,
        listeners,
        shared: {
          current: () => session,
          refresh: async () => {
            owner.refreshes++;
            session = await create(session.token);
            for (const listener of listeners) listener(session);
            return true;
          },
          onSession: (listener) => {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
        } satisfies SharedSession,
      };
      return owner;
    }

    it("uses the owner's token on the conversation (REST and channel), follows its refreshes, asks it after a 401 and a closed channel, and leaves it running", async () => {
      const server = new FakeRoomServer();
      const owner = await ownerSession(server);
      server.conversations.set('c_9', {
        status: 'human',
        messages: [humanMessage({ id: 'q1', roomId: 'c_9', content: 'Is it in stock?' })],
      });
      const context = setup({
        server: 'https://chat.test',
        room: 'c_9',
        fetch: server.fetch,
        session: shareSession(owner.shared, 'c_9'),
      });
      const sessions: string[] = [];
      context.client.on('session', (session) => sessions.push(session.room.id));
      await joined(context);
      // No session of its own: the owner's one POST /api/session, for the support room.
      expect(server.requestsTo('/api/session', 'POST').map((request) => request.body)).toEqual([
        { room: 'help', name: 'Ada' },
      ]);
      expect(context.storage.data.size).toBe(0);
      expect(sessions).toEqual(['c_9']);
      // The conversation's room only, not the support room's settings (no "Talk to a person").
      expect(context.client.session()).toEqual({
        participant: { id: 'guest:1', name: 'Ada' },
        room: { id: 'c_9', title: 'Lobby' },
      });
      expect(context.channels.last.options).toMatchObject({
        roomId: 'c_9',
        presenceKey: 'guest:1',
        token: 'token-1',
      });
      expect(context.client.messages().map((message) => message.content)).toEqual([
        'Is it in stock?',
      ]);
      expect(context.live).toEqual([
        { event: 'conversation-status', payload: { status: 'human', by: null } },
      ]);
      expect(server.requestsTo('/api/rooms/c_9/messages')[0]?.authorization).toBe('Bearer token-1');
      // The owner refreshes on its own schedule: the open channel gets the new token.
      await owner.shared.refresh();
      expect(context.channels.last.tokens).toEqual(['token-1', 'token-2']);
      expect(context.channels.channels).toHaveLength(1);
      // A 401: the owner is asked for a new token, and the call is made again with it.
      server.fail(
        (request) => request.method === 'POST' && request.path === '/api/rooms/c_9/messages',
        401,
        'unauthorized',
      );
      const posted = await context.client.postMessage({ id: 's1', content: 'Yes, two.' });
      expect(posted.roomId).toBe('c_9');
      expect(owner.refreshes).toBe(2);
      expect(
        server
          .requestsTo('/api/rooms/c_9/messages', 'POST')
          .map((request) => request.authorization),
      ).toEqual(['Bearer token-2', 'Bearer token-3']);
      // The server closes the channel (at token expiry): reopened with a token the owner refreshed.
      context.channels.last.status('CLOSED');
      await vi.waitFor(() => expect(context.channels.channels).toHaveLength(2), {
        timeout: 3_000,
      });
      expect(owner.refreshes).toBe(3);
      expect(context.channels.last.options).toMatchObject({ roomId: 'c_9', token: 'token-4' });
      context.channels.last.status('SUBSCRIBED');
      await vi.waitFor(() => expect(context.client.state().status).toBe('open'));
      // Disconnecting stops listening to the owner's session; it does not end it.
      await context.client.disconnect();
      expect(owner.listeners.size).toBe(0);
      expect(owner.shared.current().token).toBe('token-4');
    });

    it('shows a message as a REST answer returned it (a staff deletion), at once', async () => {
      const server = new FakeRoomServer();
      const owner = await ownerSession(server);
      const question = humanMessage({ id: 'q1', roomId: 'c_9', content: 'rude words' });
      server.conversations.set('c_9', { status: 'bot', messages: [question] });
      const context = setup({
        room: 'c_9',
        fetch: server.fetch,
        session: shareSession(owner.shared, 'c_9'),
      });
      await joined(context);
      context.client.merge([{ ...question, status: 'deleted', content: '', parts: [] }]);
      expect(context.client.messages().map((m) => `${m.id}:${m.status}:${m.content}`)).toEqual([
        'q1:deleted:',
      ]);
      // Its broadcast, after, changes nothing; an older snapshot does not bring it back.
      context.channels.last.broadcast('message-deleted', { id: 'q1' });
      context.client.merge([question]);
      expect(context.client.messages().map((m) => `${m.id}:${m.status}:${m.content}`)).toEqual([
        'q1:deleted:',
      ]);
    });
  });

  it('stops everything on disconnect', async () => {
    const context = setup();
    await joined(context);
    const channel = context.channels.last;
    await context.client.disconnect();
    expect(channel.closed).toBe(true);
    expect(context.client.state().status).toBe('idle');
  });
});
