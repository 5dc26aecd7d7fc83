import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChorusError } from '../lib/chorus-error.ts';
import { FakeRoomServer, memoryStorage } from '../test-support/fake-room-server.ts';
import type { SessionResponse } from './api-types.ts';
import { RoomApi } from './room-api.ts';
import { SessionKeeper } from './session-keeper.ts';
import { TypingSender } from './typing-sender.ts';

afterEach(() => vi.useRealTimers());

describe('RoomApi', () => {
  it('turns error bodies, network failures and non-JSON into ChorusErrors', async () => {
    const server = new FakeRoomServer();
    const api = new RoomApi({
      server: 'https://chat.test/',
      room: 'lobby',
      fetch: server.fetch,
      token: () => undefined,
    });
    await expect(api.getRoom()).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    server.fail(() => true, 0);
    await expect(api.createSession({ name: 'Ada' })).rejects.toMatchObject({
      code: 'network_error',
    });
    const html = new RoomApi({
      server: 'https://chat.test',
      room: 'lobby',
      fetch: async () => new Response('<html>', { status: 200 }),
      token: () => 't',
    });
    await expect(html.getRoom()).rejects.toMatchObject({ code: 'bad_response' });
    const bare = new RoomApi({
      server: 'https://chat.test',
      room: 'lobby',
      fetch: async () => new Response('', { status: 502 }),
      token: () => 't',
    });
    await expect(bare.getRoom()).rejects.toMatchObject({ code: 'http_502', status: 502 });
  });

  it('sends JSON with the bearer token, to URL-safe paths', async () => {
    const server = new FakeRoomServer();
    const session = (await new RoomApi({
      server: 'https://chat.test',
      room: 'lobby',
      fetch: server.fetch,
      token: () => undefined,
    }).createSession({ name: 'Ada' })) as SessionResponse;
    const api = new RoomApi({
      server: 'https://chat.test',
      room: 'lobby',
      fetch: server.fetch,
      token: () => session.token,
    });
    await api.listMessages({ before: '10', limit: 5 });
    await api.regenerate('a/b');
    expect(
      server.requests
        .slice(1)
        .map((request) => `${request.method} ${request.path} ${request.authorization}`),
    ).toEqual([
      'GET /api/rooms/lobby/messages?before=10&limit=5 Bearer token-1',
      'POST /api/rooms/lobby/messages/a%2Fb/regenerate Bearer token-1',
    ]);
  });
});

describe('SessionKeeper', () => {
  function keeper(options: { ttlMs: number; storage?: ReturnType<typeof memoryStorage> }) {
    const server = new FakeRoomServer();
    server.ttlMs = options.ttlMs;
    const api = new RoomApi({
      server: 'https://chat.test',
      room: 'lobby',
      fetch: server.fetch,
      token: () => undefined,
    });
    const sessions: string[] = [];
    const errors: string[] = [];
    const instance = new SessionKeeper({
      createSession: (user, bearer) => api.createSession(user, bearer),
      storage: options.storage ?? memoryStorage(),
      storageKey: 'k',
      random: () => 0.5,
      onSession: (session) => sessions.push(`${session.participant.id}/${session.token}`),
      onError: (error) => errors.push(error.code),
    });
    return { server, instance, sessions, errors };
  }

  it('refreshes a fifth of the lifetime before expiry (at least 5 s, at most 2 min)', async () => {
    vi.useFakeTimers();
    const { instance, sessions } = keeper({ ttlMs: 100_000 });
    await instance.start({ name: 'Ada' });
    await vi.advanceTimersByTimeAsync(79_000);
    expect(sessions).toEqual(['guest:1/token-1']);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sessions).toEqual(['guest:1/token-1', 'guest:1/token-2']);
    instance.stop();
  });

  it('retries a failed refresh with back-off while the token lasts', async () => {
    vi.useFakeTimers();
    const { server, instance, sessions, errors } = keeper({ ttlMs: 60_000 });
    await instance.start({ name: 'Ada' });
    server.fail((request) => request.authorization !== null, 503, 'unavailable', 2);
    await vi.advanceTimersByTimeAsync(48_000); // refresh time: 60 s - 12 s
    expect(errors).toEqual(['unavailable']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(errors).toEqual(['unavailable', 'unavailable']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sessions.at(-1)).toBe('guest:1/token-2');
    instance.stop();
  });

  it('refreshes at once when a sleeping tab wakes past the refresh time', async () => {
    const now = vi.spyOn(Date, 'now');
    now.mockReturnValue(1_000_000);
    const server = new FakeRoomServer();
    server.now = () => 1_000_000;
    server.ttlMs = 60_000;
    const api = new RoomApi({
      server: 'https://chat.test',
      room: 'lobby',
      fetch: server.fetch,
      token: () => undefined,
    });
    const sessions: string[] = [];
    const instance = new SessionKeeper({
      createSession: (user, bearer) => api.createSession(user, bearer),
      storage: null,
      storageKey: 'k',
      onSession: (session) => sessions.push(session.token),
      onError: () => {},
    });
    await instance.start({ name: 'Ada' });
    instance.check();
    now.mockReturnValue(1_000_000 + 55_000);
    instance.check();
    await vi.waitFor(() => expect(sessions).toEqual(['token-1', 'token-2']));
    instance.stop();
    now.mockRestore();
  });

  it('renames with the current token as bearer', async () => {
    const { instance, server } = keeper({ ttlMs: 3_600_000 });
    await instance.start({ name: 'Ada' });
    await instance.setUser({ name: 'Ada L.' });
    expect(instance.session?.participant).toEqual({ id: 'guest:1', name: 'Ada L.' });
    expect(
      server.requestsTo('/api/session', 'POST').map((request) => request.authorization),
    ).toEqual([null, 'Bearer token-1']);
    instance.stop();
  });

  it('applies a setUser made while the session is being created before it announces the session', async () => {
    const { instance, server, sessions } = keeper({ ttlMs: 3_600_000 });
    const starting = instance.start({ name: 'Guest' });
    await instance.setUser({ name: 'Ada' });
    expect(instance.session?.participant).toEqual({ id: 'guest:1', name: 'Ada' });
    expect(sessions).toEqual(['guest:1/token-2']);
    await expect(starting).resolves.toMatchObject({ participant: { id: 'guest:1', name: 'Ada' } });
    expect(
      server.requestsTo('/api/session', 'POST').map((request) => request.authorization),
    ).toEqual([null, 'Bearer token-1']);
    instance.stop();
  });

  it('reports a refused refresh and forgets the stored token', async () => {
    const storage = memoryStorage();
    const { instance, server, errors } = keeper({ ttlMs: 3_600_000, storage });
    await instance.start({ name: 'Ada' });
    expect(storage.data.get('k')).toBe('token-1');
    server.fail(() => true, 401, 'unauthorized');
    expect(await instance.refresh()).toBe(false);
    expect(errors).toEqual(['unauthorized']);
    expect(storage.data.has('k')).toBe(false);
    instance.stop();
  });

  it('passes a non-401 failure of the first session through', async () => {
    const { instance, server } = keeper({ ttlMs: 1000 });
    server.fail(() => true, 403, 'identity_required');
    await expect(instance.start({ name: 'Ada' })).rejects.toBeInstanceOf(ChorusError);
  });
});

describe('TypingSender', () => {
  it('sends true at most every refreshMs while typing, and false after idleMs or on stop', () => {
    vi.useFakeTimers();
    const sent: boolean[] = [];
    const sender = new TypingSender({
      send: (typing) => sent.push(typing),
      refreshMs: 3_000,
      idleMs: 4_000,
    });
    for (let index = 0; index < 35; index++) {
      sender.input();
      vi.advanceTimersByTime(200); // 7 s of typing
    }
    expect(sent).toEqual([true, true, true]);
    vi.advanceTimersByTime(4_000);
    expect(sent).toEqual([true, true, true, false]);
    sender.input();
    sender.stop();
    sender.stop();
    expect(sent).toEqual([true, true, true, false, true, false]);
  });
});
