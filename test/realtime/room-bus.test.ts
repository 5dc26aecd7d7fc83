import net from 'node:net';
import {
  RealtimeClient,
  type RealtimeChannel,
  type WebSocketLikeConstructor,
} from '@supabase/realtime-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InProcessRoomBus } from '../../server/realtime/in-process-room-bus.ts';
import {
  RealtimeJsRoomBus,
  type RealtimeJsRoomBusOptions,
} from '../../server/realtime/realtime-js-room-bus.ts';
import {
  RoomSendQueue,
  type SendOutcome,
  type SendQueueOptions,
} from '../../server/realtime/room-bus-send-queue.ts';
import {
  AgentPresenceError,
  BroadcastError,
  RoomBusClosedError,
  RoomJoinError,
  type PresenceEntry,
  type RoomBus,
} from '../../server/realtime/room-bus.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';

const transport = WebSocket as unknown as WebSocketLikeConstructor;

/** Polls `check` until it stops throwing (or `timeoutMs` passes, then rethrows its last error). */
async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 3000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

interface Received {
  event: string;
  payload: Record<string, unknown>;
}

/** A widget as the browser runs it: realtime-js with the anon key and a room token. */
interface Widget {
  channel: RealtimeChannel;
  received: Received[];
  /** The seq of every `text-delta` received, in arrival order. */
  seqs(): number[];
  /** Resolves once an event named `event` has arrived (all earlier ones arrived before it). */
  arrived(event: string): Promise<void>;
  presence(): Record<string, Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<unknown>> = [];

async function openWidget(
  testHub: TestHub,
  options: { room?: string; human?: { id: string; name: string } } = {},
): Promise<Widget> {
  const room = options.room ?? 'lobby';
  const client = new RealtimeClient(testHub.realtimeUrl, {
    params: { apikey: testHub.anonKey },
    transport,
  });
  await client.setAuth(testHub.roomToken(room, { sub: options.human?.id ?? 'watcher' }));
  const received: Received[] = [];
  const channel = client.channel(`room:${room}`, {
    config: { private: true, presence: { key: options.human?.id ?? '' } },
  });
  channel.on('broadcast', { event: '*' }, (message) =>
    received.push({ event: message.event, payload: message.payload }),
  );
  channel.on('presence', { event: 'sync' }, () => {});
  await new Promise<void>((resolve, reject) =>
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve();
      else reject(error ?? new Error(status));
    }),
  );
  if (options.human) expect(await channel.track({ kind: 'human', ...options.human })).toBe('ok');
  const widget: Widget = {
    channel,
    received,
    seqs: () =>
      received
        .filter((message) => message.event === 'text-delta')
        .map((message) => message.payload.seq as number),
    arrived: (event) =>
      eventually(() => expect(received.some((message) => message.event === event)).toBe(true)).then(
        () => {},
      ),
    presence: () => channel.presenceState() as Record<string, Array<Record<string, unknown>>>,
    close: async () => {
      await client.removeAllChannels();
    },
  };
  cleanups.push(widget.close);
  return widget;
}

/** An operator of support room `room` listening on its staff channel `inbox:<room>`. */
async function openStaffInbox(testHub: TestHub, room: string): Promise<{ received: Received[] }> {
  const client = new RealtimeClient(testHub.realtimeUrl, {
    params: { apikey: testHub.anonKey },
    transport,
  });
  await client.setAuth(testHub.roomToken(room, { sub: `staff:${room}`, chorus_role: 'operator' }));
  const received: Received[] = [];
  const channel = client.channel(`inbox:${room}`, { config: { private: true } });
  channel.on('broadcast', { event: '*' }, (message) =>
    received.push({ event: message.event, payload: message.payload }),
  );
  await new Promise<void>((resolve, reject) =>
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve();
      else reject(error ?? new Error(status));
    }),
  );
  cleanups.push(() => client.removeAllChannels());
  return { received };
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);
const delta = (seq: number) => ({ id: 'reply-1', seq, delta: `d${seq} ` });
const byKey = (entries: PresenceEntry[]) => [...entries].sort((a, b) => a.key.localeCompare(b.key));

function realtimeJsOptions(
  testHub: TestHub,
  overrides: Partial<RealtimeJsRoomBusOptions> = {},
): RealtimeJsRoomBusOptions {
  return {
    url: testHub.realtimeUrl,
    apiKey: testHub.serviceKey,
    transport,
    clientOptions: { reconnectAfterMs: () => 20 },
    ...overrides,
  };
}

let testHub: TestHub;

beforeEach(async () => {
  testHub = await startTestHub();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  await testHub.close();
});

function track<T extends RoomBus>(bus: T): T {
  cleanups.push(() => bus.close());
  return bus;
}

const ADAPTERS: Array<{ name: string; create(testHub: TestHub): RoomBus }> = [
  { name: 'InProcessRoomBus', create: (hub) => new InProcessRoomBus(hub.hub) },
  { name: 'RealtimeJsRoomBus', create: (hub) => new RealtimeJsRoomBus(realtimeJsOptions(hub)) },
];

describe.each(ADAPTERS)('RoomBus contract: $name', ({ create }) => {
  it('delivers 200 text-delta events to a widget in order, once each', async () => {
    const widget = await openWidget(testHub);
    const bus = track(create(testHub));
    await Promise.all(range(1, 200).map((seq) => bus.broadcast('lobby', 'text-delta', delta(seq))));
    await bus.broadcast('lobby', 'message-end', { message: { id: 'reply-1', seq: 200 } });
    await widget.arrived('message-end');
    expect(widget.seqs()).toEqual(range(1, 200));
    expect(widget.received.at(-1)).toEqual({
      event: 'message-end',
      payload: { message: { id: 'reply-1', seq: 200 } },
    });
  });

  it("shows an agent in the widget's presence, updates its status, and untracks it", async () => {
    const widget = await openWidget(testHub);
    const bus = track(create(testHub));
    await bus.trackAgent('lobby', 'ada', { name: 'Ada', color: '#7c3aed', status: 'thinking' });
    await eventually(() =>
      expect(widget.presence().ada).toEqual([
        {
          kind: 'agent',
          id: 'ada',
          name: 'Ada',
          color: '#7c3aed',
          status: 'thinking',
          presence_ref: expect.any(String),
        },
      ]),
    );
    await bus.trackAgent('lobby', 'ada', { name: 'Ada', color: '#7c3aed', status: 'streaming' });
    await eventually(() =>
      expect(widget.presence().ada).toEqual([
        expect.objectContaining({ id: 'ada', status: 'streaming' }),
      ]),
    );
    await bus.untrackAgent('lobby', 'ada');
    await eventually(() => expect(widget.presence().ada).toBeUndefined());
    await bus.untrackAgent('lobby', 'ada'); // untracking twice is a no-op
  });

  it('an agent tracked before a widget joins is in its initial presence state', async () => {
    const bus = track(create(testHub));
    await bus.trackAgent('lobby', 'ada', { name: 'Ada', status: 'idle' });
    const widget = await openWidget(testHub);
    await eventually(() =>
      expect(widget.presence().ada).toEqual([
        expect.objectContaining({ kind: 'agent', status: 'idle' }),
      ]),
    );
  });

  it('presence() lists the humans a widget tracked and the agents', async () => {
    await openWidget(testHub, { human: { id: 'user-grace', name: 'Grace' } });
    const bus = track(create(testHub));
    await bus.trackAgent('lobby', 'ada', { name: 'Ada', status: 'idle' });
    await bus.trackAgent('lobby', 'bob', { name: 'Bob', status: 'thinking' });
    await eventually(async () =>
      expect(byKey(await bus.presence('lobby'))).toEqual([
        { key: 'ada', meta: { kind: 'agent', id: 'ada', name: 'Ada', status: 'idle' } },
        { key: 'bob', meta: { kind: 'agent', id: 'bob', name: 'Bob', status: 'thinking' } },
        { key: 'user-grace', meta: { kind: 'human', id: 'user-grace', name: 'Grace' } },
      ]),
    );
    expect(await bus.presence('empty-room')).toEqual([]);
  });

  it('close() takes the agents out, leaves cleanly, and refuses later calls', async () => {
    const widget = await openWidget(testHub);
    const bus = create(testHub);
    await bus.trackAgent('lobby', 'ada', { name: 'Ada', status: 'idle' });
    await bus.broadcast('lobby', 'message', { message: { id: 'm1' } });
    await widget.arrived('message');
    await eventually(() => expect(widget.presence().ada).toBeDefined());
    await Promise.all([bus.close(), bus.close()]);
    await eventually(() => expect(widget.presence().ada).toBeUndefined());
    await eventually(() => expect(testHub.hub.stats().connections).toBe(1)); // the widget's only
    await expect(bus.broadcast('lobby', 'message', { message: {} })).rejects.toBeInstanceOf(
      RoomBusClosedError,
    );
    await expect(
      bus.trackAgent('lobby', 'ada', { name: 'Ada', status: 'idle' }),
    ).rejects.toBeInstanceOf(RoomBusClosedError);
    await expect(bus.presence('lobby')).rejects.toBeInstanceOf(RoomBusClosedError);
    await bus.close();
    expect(widget.received.map((message) => message.event)).toEqual(['message']);
  });

  it("subscribe(): a listener receives the bus's own broadcasts and a widget's typing, in order, until it unsubscribes", async () => {
    const widget = await openWidget(testHub);
    const bus = track(create(testHub));
    const heard: Received[] = [];
    const unsubscribe = await bus.subscribe('lobby', (event, payload) =>
      heard.push({ event, payload: { ...payload } }),
    );
    const other: Received[] = [];
    const unsubscribeOther = await bus.subscribe('kitchen', (event, payload) =>
      other.push({ event, payload: { ...payload } }),
    );
    await Promise.all(range(1, 20).map((seq) => bus.broadcast('lobby', 'text-delta', delta(seq))));
    await bus.broadcast('lobby', 'message-end', { message: { id: 'reply-1', seq: 20 } });
    await eventually(() => expect(heard.at(-1)?.event).toBe('message-end'));
    expect(
      heard
        .filter((message) => message.event === 'text-delta')
        .map((message) => message.payload.seq),
    ).toEqual(range(1, 20));

    const typing = { participantId: 'watcher', name: 'Watcher', typing: true };
    expect(await widget.channel.send({ type: 'broadcast', event: 'typing', payload: typing })).toBe(
      'ok',
    );
    await eventually(() => expect(heard.at(-1)).toEqual({ event: 'typing', payload: typing }));
    expect(other).toEqual([]); // another room's listener hears nothing of the lobby

    await unsubscribe();
    await unsubscribe(); // idempotent
    const before = heard.length;
    await bus.broadcast('lobby', 'message', { message: { id: 'm-after' } });
    await bus.broadcast('kitchen', 'message', { message: { id: 'm-kitchen' } });
    await eventually(() =>
      expect(other).toEqual([{ event: 'message', payload: { message: { id: 'm-kitchen' } } }]),
    );
    await widget.arrived('message');
    expect(heard).toHaveLength(before);
    await unsubscribeOther();
  });

  it('subscribe(): listeners of one room each receive every broadcast; close() ends them and refuses new ones', async () => {
    const bus = create(testHub);
    const first: string[] = [];
    const second: string[] = [];
    await Promise.all([
      bus.subscribe('lobby', (event) => first.push(event)),
      bus.subscribe('lobby', (event) => second.push(event)),
    ]);
    await bus.broadcast('lobby', 'message', { message: { id: 'm1' } });
    await eventually(() => expect([first, second]).toEqual([['message'], ['message']]));
    await bus.close();
    await expect(bus.subscribe('lobby', () => {})).rejects.toBeInstanceOf(RoomBusClosedError);
    await expect(bus.subscribe('no spaces', () => {})).rejects.toThrow(TypeError);
    const publisher = track(create(testHub));
    await publisher.broadcast('lobby', 'message', { message: { id: 'm2' } });
    const widget = await openWidget(testHub);
    await publisher.broadcast('lobby', 'message', { message: { id: 'm3' } });
    await widget.arrived('message');
    expect([first, second]).toEqual([['message'], ['message']]);
    await eventually(() => expect(testHub.hub.stats().connections).toBeLessThanOrEqual(2)); // the widget's and the publisher's at most
  });

  it('broadcastToInbox(): the staff on inbox:<room> receive 100 updates in order, once each; the room hears none', async () => {
    const staff = await openStaffInbox(testHub, 'support');
    const other = await openStaffInbox(testHub, 'helpdesk');
    const widget = await openWidget(testHub, { room: 'support' });
    const bus = track(create(testHub));
    const roomEvents: string[] = [];
    await bus.subscribe('support', (event) => roomEvents.push(event));
    await Promise.all(
      range(1, 100).map((seq) =>
        bus.broadcastToInbox('support', 'conversation-updated', { conversation: { seq } }),
      ),
    );
    await bus.broadcastToInbox('support', 'marker', {});
    await bus.broadcast('support', 'room-marker', {});
    await eventually(() => expect(staff.received.at(-1)?.event).toBe('marker'));
    await widget.arrived('room-marker');
    expect(
      staff.received
        .filter((message) => message.event === 'conversation-updated')
        .map((message) => (message.payload.conversation as { seq: number }).seq),
    ).toEqual(range(1, 100));
    expect(staff.received).toHaveLength(101);
    expect(other.received).toEqual([]);
    expect(widget.received.map((message) => message.event)).toEqual(['room-marker']);
    await eventually(() => expect(roomEvents).toEqual(['room-marker']));
    await expect(bus.broadcastToInbox('no spaces', 'marker', {})).rejects.toThrow(TypeError);
    await expect(bus.broadcastToInbox('support', 'marker', { ids: [] })).rejects.toThrow(/ids/);
    await bus.close();
    await expect(bus.broadcastToInbox('support', 'marker', {})).rejects.toBeInstanceOf(
      RoomBusClosedError,
    );
  });

  it('refuses room ids, events and payloads the channel cannot carry', async () => {
    const bus = track(create(testHub));
    await expect(bus.broadcast('no spaces', 'message', {})).rejects.toThrow(TypeError);
    await expect(bus.broadcast('x'.repeat(65), 'message', {})).rejects.toThrow(TypeError);
    await expect(bus.broadcast('lobby', '', {})).rejects.toThrow(TypeError);
    await expect(bus.broadcast('lobby', 'text-delta', { ids: [1] })).rejects.toThrow(/ids/);
    await expect(bus.trackAgent('lobby', '', { name: 'Nobody', status: 'idle' })).rejects.toThrow(
      TypeError,
    );
  });
});

/**
 * A TCP proxy in front of the hub whose connections the test can cut (refusing new ones until
 * unblocked) or make deaf (the hub's frames, acknowledgements included, are swallowed).
 */
async function startProxy(target: TestHub) {
  const targetPort = Number(new URL(target.httpUrl).port);
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let blocked = false;
  const server = net.createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    for (const socket of [client, upstream]) {
      socket.on('error', () => {});
      socket.on('close', () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const destroyAll = () => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
  };
  const proxy = {
    url: `ws://127.0.0.1:${port}/realtime/v1`,
    /** Cuts every proxied connection and refuses new ones until {@link proxy.unblock}. */
    cut() {
      blocked = true;
      destroyAll();
    },
    unblock() {
      blocked = false;
    },
    /** From now on, what the hub sends on the open connections is lost (frames still reach the hub). */
    swallowReplies() {
      for (const { client, upstream } of pairs) {
        upstream.unpipe(client);
        upstream.resume();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
  cleanups.push(proxy.close);
  return proxy;
}

describe('RealtimeJsRoomBus', () => {
  it('back-pressure: with a full queue, broadcast waits for room, and everything arrives in order', async () => {
    const widget = await openWidget(testHub);
    const bus = track(
      new RealtimeJsRoomBus(realtimeJsOptions(testHub, { queueCapacity: 3, maxInFlight: 2 })),
    );
    const sends = range(1, 60).map((seq) => bus.broadcast('lobby', 'text-delta', delta(seq)));
    expect(bus.roomStats('lobby')).toMatchObject({ queued: 3, waiting: 57 });
    let settledEarly = 0;
    for (const send of sends.slice(3)) void send.then(() => (settledEarly += 1));
    await Promise.resolve();
    expect(settledEarly).toBe(0); // the callers past the bound are still waiting for room
    await Promise.all(sends);
    expect(bus.roomStats('lobby')).toMatchObject({
      queued: 0,
      waiting: 0,
      inFlight: 0,
      highWater: 3,
    });
    await bus.broadcast('lobby', 'message-end', { message: { id: 'reply-1' } });
    await widget.arrived('message-end');
    expect(widget.seqs()).toEqual(range(1, 60));
  });

  it('sends issued while the connection is down go out after the rejoin, in order, none lost', async () => {
    const proxy = await startProxy(testHub);
    const widget = await openWidget(testHub);
    const bus = track(new RealtimeJsRoomBus(realtimeJsOptions(testHub, { url: proxy.url })));
    await bus.trackAgent('lobby', 'ada', { name: 'Ada', status: 'streaming' });
    await Promise.all(range(1, 50).map((seq) => bus.broadcast('lobby', 'text-delta', delta(seq))));
    expect(bus.roomStats('lobby')?.joined).toBe(true);

    proxy.cut();
    await eventually(() => expect(bus.roomStats('lobby')?.joined).toBe(false));
    await eventually(() => expect(widget.presence().ada).toBeUndefined()); // the server dropped the agent with its socket
    const whileDown = range(51, 100).map((seq) => bus.broadcast('lobby', 'text-delta', delta(seq)));
    expect(bus.roomStats('lobby')).toMatchObject({ queued: 50, inFlight: 0 });

    proxy.unblock();
    await Promise.all(whileDown);
    await bus.broadcast('lobby', 'message-end', { message: { id: 'reply-1' } });
    await widget.arrived('message-end');
    expect(widget.seqs()).toEqual(range(1, 100));
    // and the agent is tracked again on its rejoined channel
    await eventually(() =>
      expect(widget.presence().ada).toEqual([expect.objectContaining({ status: 'streaming' })]),
    );
  });

  it('messages delivered but unacknowledged when the connection drops are sent again after the rejoin, in order', async () => {
    const proxy = await startProxy(testHub);
    const widget = await openWidget(testHub);
    const bus = track(
      new RealtimeJsRoomBus(realtimeJsOptions(testHub, { url: proxy.url, maxInFlight: 32 })),
    );
    await bus.broadcast('lobby', 'message-start', { id: 'reply-1' });
    proxy.swallowReplies();
    const sends = range(1, 100).map((seq) => bus.broadcast('lobby', 'text-delta', delta(seq)));
    await eventually(() => expect(widget.seqs()).toEqual(range(1, 32))); // the hub fanned them out; the acks are lost
    expect(bus.roomStats('lobby')).toMatchObject({ queued: 100, inFlight: 32 });

    proxy.cut();
    await eventually(() => expect(bus.roomStats('lobby')?.joined).toBe(false));
    proxy.unblock();
    await Promise.all(sends);
    await bus.broadcast('lobby', 'message-end', { message: { id: 'reply-1' } });
    await widget.arrived('message-end');
    // Go-back-N from the first unacknowledged message: 1..32 twice, never a gap or a reordering.
    expect(widget.seqs()).toEqual([...range(1, 32), ...range(1, 100)]);
    // What a client keeps after dropping `seq <= known`: every seq once, in order.
    let known = 0;
    expect(widget.seqs().filter((seq) => seq > known && (known = seq))).toEqual(range(1, 100));
  });

  it('a send the server never acknowledges is retried, then rejected; the room carries on in order', async () => {
    const widget = await openWidget(testHub);
    // A room token may join and send `typing` only: the hub drops its `text-delta`, unacknowledged.
    const bus = track(
      new RealtimeJsRoomBus(
        realtimeJsOptions(testHub, {
          apiKey: testHub.roomToken('lobby'),
          ackTimeoutMs: 100,
          maxAttempts: 2,
          retryDelayMs: 10,
        }),
      ),
    );
    const first = bus.broadcast('lobby', 'typing', {
      participantId: 'user-lobby',
      name: 'P',
      typing: true,
    });
    const refused = bus.broadcast('lobby', 'text-delta', delta(1));
    const last = bus.broadcast('lobby', 'typing', {
      participantId: 'user-lobby',
      name: 'P',
      typing: false,
    });
    await first;
    const error = await refused.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BroadcastError);
    expect(error).toMatchObject({
      roomId: 'lobby',
      event: 'text-delta',
      failure: 'timed out',
      attempts: 2,
    });
    expect((error as Error).message).toMatch(
      /broadcast "text-delta" to room "lobby" failed after 2 attempt\(s\)/,
    );
    await last;
    await eventually(() =>
      expect(widget.received.filter((message) => message.event === 'typing')).toHaveLength(2),
    );
    expect(widget.received.map((message) => message.payload.typing)).toEqual([true, false]);
  });

  it('a refused join surfaces as a RoomJoinError with the server reason', async () => {
    const bus = track(
      new RealtimeJsRoomBus(realtimeJsOptions(testHub, { apiKey: testHub.anonKey })),
    );
    const sends = [
      bus.broadcast('lobby', 'message', { message: {} }),
      bus.broadcast('lobby', 'message', { message: {} }),
    ];
    for (const send of sends) {
      const error = await send.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RoomJoinError);
      expect(error).toMatchObject({
        roomId: 'lobby',
        reason: expect.stringMatching(/^Unauthorized: .*room:lobby/),
      });
    }
    await expect(bus.presence('lobby')).rejects.toBeInstanceOf(RoomJoinError);
    await expect(
      bus.trackAgent('lobby', 'ada', { name: 'Ada', status: 'idle' }),
    ).rejects.toBeInstanceOf(RoomJoinError);
    await eventually(() => expect(bus.connectionCount).toBe(0));
    expect(AgentPresenceError).toBeDefined();
  });

  it('a first join that cannot reach the server fails with a RoomJoinError after joinTimeoutMs', async () => {
    const proxy = await startProxy(testHub);
    proxy.cut(); // every connection attempt is refused
    const bus = track(
      new RealtimeJsRoomBus(realtimeJsOptions(testHub, { url: proxy.url, joinTimeoutMs: 200 })),
    );
    const error = await bus
      .broadcast('lobby', 'message', { message: {} })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RoomJoinError);
    expect((error as RoomJoinError).reason).toMatch(/^timed out after 200 ms/);
  });

  it('joins again a channel the server closed, and the queued sends go out in order', async () => {
    await testHub.close();
    testHub = await startTestHub({ limits: { maxEventsPerSecond: 3 } });
    const widget = await openWidget(testHub);
    // A room token's sends are rate-limited: the 4th in a second closes its channel ("Too many messages per second").
    const bus = track(
      new RealtimeJsRoomBus(
        realtimeJsOptions(testHub, { apiKey: testHub.roomToken('lobby'), rejoinDelayMs: 20 }),
      ),
    );
    // The hub passes on only {participantId, name, typing} from a room token: the name carries the order.
    const typing = (n: number) =>
      bus.broadcast('lobby', 'typing', {
        participantId: 'user-lobby',
        name: `P${n}`,
        typing: true,
      });
    await Promise.all(range(1, 6).map(typing));
    await eventually(() =>
      expect(widget.received.map((message) => message.payload.name)).toEqual(
        range(1, 6).map((n) => `P${n}`),
      ),
    );
  });

  it('gives each tracked agent its own connection, shared across rooms', async () => {
    const lobby = await openWidget(testHub);
    const kitchen = await openWidget(testHub, { room: 'kitchen' });
    const bus = track(new RealtimeJsRoomBus(realtimeJsOptions(testHub)));
    await bus.trackAgent('lobby', 'ada', { name: 'Ada', status: 'idle' });
    await bus.trackAgent('lobby', 'bob', { name: 'Bob', status: 'idle' });
    await bus.trackAgent('kitchen', 'ada', { name: 'Ada', status: 'thinking' });
    expect(bus.connectionCount).toBe(2);
    await eventually(() => expect(Object.keys(lobby.presence()).sort()).toEqual(['ada', 'bob']));
    await eventually(() =>
      expect(kitchen.presence().ada).toEqual([expect.objectContaining({ status: 'thinking' })]),
    );
    await bus.broadcast('lobby', 'message', { message: { id: 'm1' } });
    expect(bus.connectionCount).toBe(3); // + the broadcast connection
    await bus.untrackAgent('lobby', 'bob');
    expect(bus.connectionCount).toBe(2);
  });

  it("leaves an idle room's channel, holds it while an agent is tracked, and rejoins on the next send", async () => {
    const widget = await openWidget(testHub);
    const bus = track(new RealtimeJsRoomBus(realtimeJsOptions(testHub, { idleLeaveMs: 40 })));
    await bus.broadcast('lobby', 'message', { message: { id: 'm1' } });
    expect(bus.roomStats('lobby')?.joined).toBe(true);
    await eventually(() => expect(bus.roomStats('lobby')).toBeUndefined());
    await eventually(() => expect(testHub.hub.stats().connections).toBe(1));
    expect(bus.connectionCount).toBe(0);

    await bus.trackAgent('lobby', 'ada', { name: 'Ada', status: 'idle' });
    await bus.broadcast('lobby', 'message', { message: { id: 'm2' } });
    await new Promise((resolve) => setTimeout(resolve, 150)); // several idle periods: nothing to await
    expect(bus.roomStats('lobby')).toMatchObject({ joined: true, agents: 1 });
    await bus.untrackAgent('lobby', 'ada');
    await eventually(() => expect(bus.roomStats('lobby')).toBeUndefined());
    expect(
      widget.received.map((message) => (message.payload.message as { id: string }).id),
    ).toEqual(['m1', 'm2']);
  });
});

describe('RealtimeJsRoomBus inboxes', () => {
  it("holds an inbox's channel apart from its room's, and leaves it when idle", async () => {
    const staff = await openStaffInbox(testHub, 'support');
    const bus = track(new RealtimeJsRoomBus(realtimeJsOptions(testHub, { idleLeaveMs: 40 })));
    await bus.broadcastToInbox('support', 'conversation-updated', { conversation: { n: 1 } });
    expect(bus.inboxStats('support')).toMatchObject({ joined: true, agents: 0, queued: 0 });
    expect(bus.roomStats('support')).toBeUndefined();
    await eventually(() => expect(bus.inboxStats('support')).toBeUndefined());
    await eventually(() => expect(bus.connectionCount).toBe(0));

    await bus.broadcastToInbox('support', 'conversation-updated', { conversation: { n: 2 } });
    await eventually(() =>
      expect(staff.received.map((message) => message.payload.conversation)).toEqual([
        { n: 1 },
        { n: 2 },
      ]),
    );
  });
});

/** A link whose sends the test answers one by one. */
function scriptedLink() {
  const sent: Array<{ seq: number; answer(outcome: SendOutcome): void }> = [];
  const link = {
    up: true,
    sent,
    canSend: () => link.up,
    send: (_event: string, payload: Readonly<Record<string, unknown>>) =>
      new Promise<SendOutcome>((answer) => sent.push({ seq: payload.seq as number, answer })),
    /** The seqs sent so far, in order. */
    seqs: () => sent.map((send) => send.seq),
    answer(seq: number, outcome: SendOutcome, occurrence = 0) {
      sent.filter((send) => send.seq === seq)[occurrence]!.answer(outcome);
    },
  };
  return link;
}

const QUEUE: SendQueueOptions = {
  capacity: 10,
  maxInFlight: 3,
  maxAttempts: 2,
  retryDelayMs: 1,
  deliveryTimeoutMs: 2000,
};
const settled = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: Error) => error,
  );

describe('RoomSendQueue', () => {
  it('pipelines up to maxInFlight sends in call order and resolves each on its acknowledgement', async () => {
    const link = scriptedLink();
    const queue = new RoomSendQueue('lobby', link, QUEUE);
    const sends = range(1, 5).map((seq) => queue.enqueue('text-delta', delta(seq)));
    expect(link.seqs()).toEqual([1, 2, 3]);
    link.answer(1, 'ok');
    await sends[0];
    expect(link.seqs()).toEqual([1, 2, 3, 4]);
    for (const seq of [2, 3, 4]) link.answer(seq, 'ok');
    await eventually(() => expect(link.seqs()).toEqual([1, 2, 3, 4, 5]));
    link.answer(5, 'ok');
    await Promise.all(sends);
    expect(queue.idle).toBe(true);
  });

  it('resends a message that failed on its own before any message not yet sent, then rejects it after maxAttempts', async () => {
    const link = scriptedLink();
    const queue = new RoomSendQueue('lobby', link, QUEUE);
    const sends = range(1, 4).map((seq) => queue.enqueue('text-delta', delta(seq)));
    link.answer(2, 'timed out');
    link.answer(1, 'ok');
    link.answer(3, 'ok');
    await eventually(() => expect(link.seqs()).toEqual([1, 2, 3, 2, 4]));
    link.answer(2, 'error', 1);
    const [first, second, third] = await Promise.all(sends.slice(0, 3).map(settled));
    expect([first, third]).toEqual(['resolved', 'resolved']);
    expect(second).toBeInstanceOf(BroadcastError);
    expect(second).toMatchObject({ failure: 'error', attempts: 2 });
    link.answer(4, 'ok');
    expect(await settled(sends[3]!)).toBe('resolved');
  });

  it('goes back to the first unacknowledged message when the link drops, without counting attempts', async () => {
    const link = scriptedLink();
    const queue = new RoomSendQueue('lobby', link, { ...QUEUE, maxAttempts: 1 });
    const sends = range(1, 4).map((seq) => queue.enqueue('text-delta', delta(seq)));
    link.answer(1, 'ok');
    await sends[0];
    link.up = false;
    queue.interrupt();
    link.answer(3, 'ok'); // arrived just before the drop: kept
    link.answer(2, 'error'); // e.g. `unmatched topic` after the server closed the channel: not an attempt
    await new Promise((resolve) => setImmediate(resolve));
    link.answer(4, 'timed out'); // the dead socket's push times out later: ignored
    link.up = true;
    queue.resume();
    expect(link.seqs()).toEqual([1, 2, 3, 4, 2, 4]);
    for (const seq of [2, 4]) link.answer(seq, 'ok', 1);
    expect(await Promise.all(sends.map(settled))).toEqual([
      'resolved',
      'resolved',
      'resolved',
      'resolved',
    ]);
  });

  it('rejects what could not go out within deliveryTimeoutMs, and failAll rejects everything', async () => {
    const link = scriptedLink();
    link.up = false;
    const queue = new RoomSendQueue('lobby', link, {
      ...QUEUE,
      capacity: 1,
      deliveryTimeoutMs: 30,
    });
    const [first, second] = [
      queue.enqueue('message', { n: 1 }),
      queue.enqueue('message', { n: 2 }),
    ];
    expect(queue.stats()).toMatchObject({ queued: 1, waiting: 1 });
    const expired = await settled(first);
    expect(expired).toBeInstanceOf(BroadcastError);
    expect(expired).toMatchObject({
      failure: 'expired',
      attempts: 0,
      message: expect.stringMatching(/not sent within 30 ms/),
    });
    const closed = new RoomBusClosedError('lobby');
    queue.failAll(closed);
    expect(await settled(second)).toBe(closed);
    expect(link.seqs()).toEqual([]);
  });
});
