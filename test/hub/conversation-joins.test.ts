/**
 * An operator's join of a conversation waits for the hub's `conversationParent` lookup
 * (docs/architecture.md §8). Whatever the socket does meanwhile (frames on the topic, a leave, a
 * second join of the topic, closing), no channel is left half joined. Raw `ws` sockets, a real
 * hub, and a lookup the test answers when it chooses.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { TestSocket, type TestFrame } from '../helpers/sockets.ts';
import { waitFor } from '../helpers/wait-for.ts';

const CONVERSATION = 'c_support0000000001';
const TOPIC = `realtime:room:${CONVERSATION}`;
const UNAUTHORIZED = `Unauthorized: You do not have permissions to read from this Channel topic: room:${CONVERSATION}`;

/** A conversationParent whose answers the test gives, one lookup at a time. */
function heldLookup() {
  const asked: Array<{ roomId: string; answer(parent: string | null): void; fail(): void }> = [];
  return {
    asked,
    lookup: (roomId: string) =>
      new Promise<string | null>((resolve, reject) =>
        asked.push({ roomId, answer: resolve, fail: () => reject(new Error('store down')) }),
      ),
    /** Waits for lookup number `index` (0-based) to be asked. */
    next: (index: number) => waitFor(() => asked[index], { what: `lookup ${index}` }),
  };
}

let held: ReturnType<typeof heldLookup>;
let testHub: TestHub;
let sockets: TestSocket[] = [];
const logged: string[] = [];

beforeEach(async () => {
  held = heldLookup();
  logged.length = 0;
  testHub = await startTestHub({
    conversationParent: held.lookup,
    log: (_level, event) => logged.push(event),
  });
});
afterEach(async () => {
  await Promise.all(sockets.map((socket) => socket.close()));
  sockets = [];
  await testHub.close();
});

async function open(): Promise<TestSocket> {
  const socket = await TestSocket.open(testHub.socketUrl('1.0.0'));
  sockets.push(socket);
  return socket;
}

const operatorToken = (room = 'support') =>
  testHub.roomToken(room, { sub: `staff:${room}`, name: 'Olga', chorus_role: 'operator' });

/** Sends a join of the conversation without waiting; returns its ref (= join_ref). */
function sendJoin(socket: TestSocket, token: string): string {
  const ref = socket.nextRef();
  socket.send({
    joinRef: ref,
    ref,
    topic: TOPIC,
    event: 'phx_join',
    payload: { access_token: token, config: { private: true, presence: { enabled: true } } },
  });
  return ref;
}

const replyTo = (ref: string) => (frame: TestFrame) =>
  frame.event === 'phx_reply' && frame.ref === ref;
const isBroadcast = (frame: TestFrame) => frame.event === 'broadcast';
const publishMarker = () =>
  testHub.hub.publish({ topic: `room:${CONVERSATION}`, event: 'marker', payload: {} });

describe('an operator joining a conversation', () => {
  it('is answered once the parent is known; frames before that are for an unjoined topic', async () => {
    const socket = await open();
    const join = sendJoin(socket, operatorToken());
    expect((await held.next(0)).roomId).toBe(CONVERSATION);

    socket.send({
      joinRef: join,
      ref: 'early',
      topic: TOPIC,
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'typing', payload: { typing: true } },
    });
    expect((await socket.next(replyTo('early'))).payload).toEqual({
      status: 'error',
      response: { reason: 'unmatched topic' },
    });
    expect(publishMarker()).toBe(0);
    await socket.expectNone(replyTo(join));

    held.asked[0]!.answer('support');
    expect((await socket.next(replyTo(join))).payload.status).toBe('ok');
    await socket.next((frame) => frame.event === 'presence_state');
    expect(publishMarker()).toBe(1);
    expect((await socket.next(isBroadcast)).payload.event).toBe('marker');
  });

  it('is refused for a conversation of another support room, or when the lookup fails', async () => {
    const socket = await open();
    const other = sendJoin(socket, operatorToken());
    (await held.next(0)).answer('helpdesk');
    expect((await socket.next(replyTo(other))).payload).toEqual({
      status: 'error',
      response: { reason: UNAUTHORIZED },
    });

    const failing = sendJoin(socket, operatorToken());
    (await held.next(1)).fail();
    expect((await socket.next(replyTo(failing))).payload).toEqual({
      status: 'error',
      response: { reason: UNAUTHORIZED },
    });
    expect(logged).toContain('realtime.parent_lookup_failed');
    expect(publishMarker()).toBe(0);
  });

  it('is refused when the lookup does not answer in time', async () => {
    const slow = await startTestHub({
      conversationParent: () => new Promise<string | null>(() => {}), // a store that hangs
      parentLookupTimeoutMs: 100,
      log: (_level, event) => logged.push(event),
    });
    try {
      const socket = await TestSocket.open(slow.socketUrl('1.0.0'));
      sockets.push(socket);
      const token = slow.roomToken('support', {
        sub: 'staff:support',
        name: 'Olga',
        chorus_role: 'operator',
      });
      const join = sendJoin(socket, token);
      expect((await socket.next(replyTo(join))).payload).toEqual({
        status: 'error',
        response: { reason: UNAUTHORIZED },
      });
      expect(logged).toContain('realtime.parent_lookup_failed');
    } finally {
      await Promise.all(sockets.splice(0).map((socket) => socket.close()));
      await slow.close();
    }
  });

  it('a leave while the lookup runs leaves nothing joined, and the late answer is dropped', async () => {
    const socket = await open();
    const join = sendJoin(socket, operatorToken());
    await held.next(0);
    socket.send({ joinRef: join, ref: 'leave', topic: TOPIC, event: 'phx_leave', payload: {} });
    expect((await socket.next(replyTo('leave'))).payload.status).toBe('ok');

    held.asked[0]!.answer('support');
    await socket.expectNone(replyTo(join));
    expect(publishMarker()).toBe(0);
    expect(testHub.hub.stats().topics).toBe(0);
  });

  it('a second join of the topic while the lookup runs wins; the first is never joined', async () => {
    const socket = await open();
    const first = sendJoin(socket, operatorToken());
    await held.next(0);
    const second = sendJoin(socket, operatorToken());
    await held.next(1);

    held.asked[1]!.answer('support');
    expect((await socket.next(replyTo(second))).payload.status).toBe('ok');
    held.asked[0]!.answer('support');
    await socket.expectNone(replyTo(first));
    expect(publishMarker()).toBe(1); // one channel, the second join's
    expect((await socket.next(isBroadcast)).payload.event).toBe('marker');
  });

  it('a second join that needs no lookup (an admin token) wins over one still looking up', async () => {
    const socket = await open();
    const first = sendJoin(socket, operatorToken());
    await held.next(0);
    const second = sendJoin(socket, testHub.roomToken('x', { chorus_role: 'admin' }));
    expect((await socket.next(replyTo(second))).payload.status).toBe('ok');

    held.asked[0]!.answer('support');
    await socket.expectNone(replyTo(first));
    expect(publishMarker()).toBe(1);
  });

  it('a second join of the topic supersedes the first even when it is refused', async () => {
    const socket = await open();
    const first = sendJoin(socket, operatorToken());
    await held.next(0);
    const forged = sendJoin(socket, testHub.token({ role: 'authenticated' }, 'another-secret'));
    expect((await socket.next(replyTo(forged))).payload.status).toBe('error');

    held.asked[0]!.answer('support');
    await socket.expectNone(replyTo(first));
    expect(publishMarker()).toBe(0);
  });

  it('a token refresh that needs the parent waits for it, then keeps it for later refreshes', async () => {
    const socket = await open();
    const join = sendJoin(socket, testHub.roomToken('x', { chorus_role: 'admin' }));
    expect((await socket.next(replyTo(join))).payload.status).toBe('ok');
    const refresh = (token: string) =>
      socket.send({
        joinRef: join,
        ref: socket.nextRef(),
        topic: TOPIC,
        event: 'access_token',
        payload: { access_token: token },
      });

    refresh(operatorToken('support'));
    (await held.next(0)).answer('support');
    await socket.expectNone((frame) => frame.event === 'system' || frame.event === 'phx_close');
    expect(publishMarker()).toBe(1); // kept: the conversation is the operator's room's

    refresh(operatorToken('helpdesk'));
    const closed = await socket.next((frame) => frame.event === 'system');
    expect(closed.payload.message).toBe(
      `You no longer have permission to read from this Channel topic: room:${CONVERSATION}`,
    );
    expect(held.asked).toHaveLength(1); // the parent was known: no second lookup
    expect(publishMarker()).toBe(0);
  });

  it('a socket that closes while the lookup runs leaves no channel behind', async () => {
    const socket = await open();
    sendJoin(socket, operatorToken());
    await held.next(0);
    await socket.close();
    await waitFor(() => testHub.hub.stats().connections === 0);

    held.asked[0]!.answer('support');
    await new Promise((resolve) => setImmediate(resolve));
    expect(publishMarker()).toBe(0);
    expect(testHub.hub.stats().topics).toBe(0);
  });

  it('pending joins count against the channels a socket may hold', async () => {
    await testHub.close();
    testHub = await startTestHub({
      conversationParent: held.lookup,
      limits: { maxChannelsPerSocket: 1 },
    });
    const socket = await open();
    sendJoin(socket, operatorToken());
    await held.next(0);
    const reply = await socket.join('realtime:room:support', {
      access_token: operatorToken(),
      config: { private: true },
    });
    expect(reply.payload).toEqual({
      status: 'error',
      response: { reason: 'ChannelRateLimitReached: Too many channels' },
    });
  });
});

describe('REST broadcasts of an operator', () => {
  async function post(topic: string, event: string, token: string) {
    return fetch(
      `${testHub.httpUrl}/realtime/v1/api/broadcast/${encodeURIComponent(topic)}/events/${event}?private=true`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          apikey: testHub.anonKey,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ typing: true }),
      },
    );
  }

  it('may send typing into a conversation of its room (after the lookup), not into the inbox', async () => {
    const listener = await open();
    const reply = await listener.join(`realtime:room:${CONVERSATION}`, {
      access_token: testHub.serviceKey,
      config: { private: true },
    });
    expect(reply.payload.status).toBe('ok');

    const sent = post(`room:${CONVERSATION}`, 'typing', operatorToken());
    (await held.next(0)).answer('support');
    expect((await sent).status).toBe(202);
    expect((await listener.next(isBroadcast)).payload).toEqual({
      type: 'broadcast',
      event: 'typing',
      payload: { participantId: 'staff:support', name: 'Olga', typing: true },
    });

    const elsewhere = post(`room:${CONVERSATION}`, 'typing', operatorToken('helpdesk'));
    (await held.next(1)).answer('support');
    expect((await elsewhere).status).toBe(403);
    expect((await post('inbox:support', 'typing', operatorToken())).status).toBe(403);
    await listener.expectNone(isBroadcast);
  });
});
