/**
 * What a room member (a room token on its private channel) may put on the channel: presence under
 * its own id as a human with a bounded meta, and `typing` as itself, small and rate-limited
 * (docs/decisions.md, "Realtime hub: what members may say"). Raw `ws` sockets, a real hub.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { TestSocket, type TestFrame } from '../helpers/sockets.ts';

const TOPIC = 'realtime:room:lobby';
let testHub: TestHub;
let sockets: TestSocket[] = [];

beforeEach(async () => {
  testHub = await startTestHub();
});
afterEach(async () => {
  await Promise.all(sockets.map((socket) => socket.close()));
  sockets = [];
  await testHub.close();
});

/** A socket joined to the lobby's private channel with presence on, its presence_state consumed. */
async function joined(
  token: string,
  options: { key?: string; ack?: boolean; vsn?: '1.0.0' | '2.0.0' } = {},
) {
  const socket = await TestSocket.open(testHub.socketUrl(options.vsn ?? '1.0.0'));
  sockets.push(socket);
  const reply = await socket.join(TOPIC, {
    access_token: token,
    config: {
      private: true,
      broadcast: { ack: options.ack ?? false },
      presence: { key: options.key ?? '', enabled: true },
    },
  });
  expect(reply.payload.status).toBe('ok');
  await socket.next((frame) => frame.event === 'presence_state');
  let ref = 100;
  return {
    socket,
    track(state: unknown) {
      const sent = String((ref += 1));
      socket.send({
        joinRef: reply.joinRef,
        ref: sent,
        topic: TOPIC,
        event: 'presence',
        payload: { type: 'presence', event: 'track', payload: state },
      });
      return socket
        .next((frame) => frame.event === 'phx_reply' && frame.ref === sent)
        .then((frame) => frame.payload);
    },
    typing(payload: unknown) {
      const sent = String((ref += 1));
      socket.send({
        joinRef: reply.joinRef,
        ref: sent,
        topic: TOPIC,
        event: 'broadcast',
        payload: { type: 'broadcast', event: 'typing', payload },
      });
      return options.ack
        ? socket
            .next((frame) => frame.event === 'phx_reply' && frame.ref === sent)
            .then((frame) => frame.payload)
        : Promise.resolve(null);
    },
  };
}

const mallory = () => testHub.roomToken('lobby', { sub: 'guest:mallory', name: 'Mallory' });
const grace = () => testHub.roomToken('lobby', { sub: 'guest:grace', name: 'Grace' });
const isDiff = (frame: TestFrame) => frame.event === 'presence_diff';
const isTyping = (frame: TestFrame) => frame.event === 'broadcast';

describe('presence of a room member', () => {
  it('refuses a track with kind agent with an error reply, and it changes nothing', async () => {
    const observer = await joined(grace());
    const forger = await joined(mallory(), { key: 'sage' });
    expect(
      await forger.track({ kind: 'agent', id: 'sage', name: 'Sage', status: 'streaming' }),
    ).toEqual({
      status: 'error',
      response: { reason: 'Presence kind must be human: only the server tracks agents' },
    });
    await observer.socket.expectNone(isDiff);
    expect(testHub.hub.presenceState('room:lobby', true)).toEqual({});
  });

  it("keys a member by its token's sub whatever key it joined with, forcing id and keeping only the documented fields", async () => {
    const observer = await joined(grace());
    const forger = await joined(mallory(), { key: 'guest:grace' });
    const name = '😀'.repeat(100);
    expect(
      await forger.track({
        kind: 'human',
        id: 'guest:grace',
        name,
        color: '#f00',
        status: 'idle',
        admin: true,
        html: '<b>',
      }),
    ).toMatchObject({ status: 'ok' });
    const diff = await observer.socket.next(isDiff);
    expect(Object.keys(diff.payload.joins)).toEqual(['guest:mallory']);
    const { phx_ref: _ref, ...meta } = diff.payload.joins['guest:mallory'].metas[0];
    expect(meta).toEqual({
      kind: 'human',
      id: 'guest:mallory',
      name: '😀'.repeat(64),
      color: '#f00',
      status: 'idle',
    });
  });

  it('keeps presence_state small for newcomers when members track 50 KB metas', async () => {
    const members = [];
    for (let index = 0; index < 20; index += 1)
      members.push(await joined(testHub.roomToken('lobby', { sub: `guest:${index}` })));
    for (const member of members)
      expect(
        (await member.track({ kind: 'human', name: 'x', padding: 'p'.repeat(50_000) })).status,
      ).toBe('ok');
    const refused = await members[0]!.track({
      kind: 'human',
      name: 'x',
      avatarUrl: `https://a.example/${'p'.repeat(50_000)}`,
    });
    expect(refused).toEqual({
      status: 'error',
      response: { reason: 'Presence meta must be at most 1024 bytes' },
    });

    const newcomer = await TestSocket.open(testHub.socketUrl('1.0.0'));
    sockets.push(newcomer);
    await newcomer.join(TOPIC, {
      access_token: grace(),
      config: { private: true, presence: { enabled: true } },
    });
    const state = await newcomer.next((frame) => frame.event === 'presence_state');
    expect(Object.keys(state.payload)).toHaveLength(20);
    expect(Buffer.byteLength(state.raw)).toBeLessThan(20 * 200); // about 100 bytes a member, not 50 KB
  });

  it('lets the service role track an agent under any key, as before', async () => {
    const observer = await joined(grace());
    const orchestrator = await joined(testHub.serviceKey, { key: 'sage' });
    expect(
      (await orchestrator.track({ kind: 'agent', id: 'sage', name: 'Sage', status: 'streaming' }))
        .status,
    ).toBe('ok');
    const diff = await observer.socket.next(isDiff);
    expect(diff.payload.joins.sage.metas[0]).toMatchObject({
      kind: 'agent',
      id: 'sage',
      status: 'streaming',
    });
  });
});

describe('typing from a room member', () => {
  it('fans out nothing for a 2.9 MB or a forged typing, answering its ack with an error', async () => {
    const listeners = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        joined(testHub.roomToken('lobby', { sub: `guest:l${index}` })),
      ),
    );
    const received = { bytes: 0 };
    for (const listener of listeners)
      listener.socket.ws.on('message', (data: Buffer) => (received.bytes += data.length));
    const forger = await joined(mallory(), { ack: true });
    expect(
      await forger.typing({
        participantId: 'guest:mallory',
        name: 'Mallory',
        typing: true,
        padding: 'x'.repeat(2_900_000),
      }),
    ).toEqual({
      status: 'error',
      response: { reason: 'Typing payload must be at most 1024 bytes' },
    });
    expect(await forger.typing({ participantId: 'sage', name: 'Sage', typing: true })).toEqual({
      status: 'error',
      response: { reason: 'Typing participantId must be your own (the token sub)' },
    });
    expect(
      (await forger.typing({ participantId: 'guest:mallory', name: 'Mallory', typing: 'yes' }))
        .status,
    ).toBe('error');
    expect((await forger.typing(['not', 'a', 'map'])).status).toBe('error');
    await Promise.all(listeners.map((listener) => listener.socket.expectNone(isTyping, 50)));
    expect(received.bytes).toBe(0);
  });

  it('delivers a valid typing as {participantId, name, typing} only, the name cut to 64 code points', async () => {
    const listener = await joined(grace());
    const sender = await joined(mallory(), { ack: true });
    expect(
      await sender.typing({ name: `${'N'.repeat(63)}😀😀`, typing: true, html: '<img>' }),
    ).toEqual({ status: 'ok', response: {} });
    const frame = await listener.socket.next(isTyping);
    expect(frame.payload.payload).toEqual({
      participantId: 'guest:mallory',
      name: `${'N'.repeat(63)}😀`,
      typing: true,
    });
  });

  it('allows a few typings per second per socket and refuses the rest', async () => {
    const listener = await joined(grace());
    const sender = await joined(mallory(), { ack: true });
    const replies = [];
    for (let index = 0; index < 7; index += 1)
      replies.push(await sender.typing({ typing: index % 2 === 0 }));
    expect(replies.map((reply) => reply.status)).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'error',
      'error',
    ]);
    expect(replies[5]).toEqual({
      status: 'error',
      response: { reason: 'Too many typing events per second' },
    });
    for (let index = 0; index < 5; index += 1) await listener.socket.next(isTyping);
    await listener.socket.expectNone(isTyping, 100);
  });

  it('refuses a forged or oversized typing over REST with 422, sending nothing', async () => {
    const listener = await joined(grace());
    const post = (body: unknown) =>
      fetch(
        `${testHub.httpUrl}/realtime/v1/api/broadcast/room%3Alobby/events/typing?private=true`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${mallory()}`,
            apikey: testHub.anonKey,
            'content-type': 'application/json',
          },
          body: JSON.stringify(body),
        },
      );
    expect((await post({ participantId: 'sage', name: 'Sage', typing: true })).status).toBe(422);
    expect((await post({ typing: true, padding: 'x'.repeat(2_000) })).status).toBe(422);
    const batch = await fetch(`${testHub.httpUrl}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${mallory()}`,
        apikey: testHub.anonKey,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        messages: [
          {
            topic: 'room:lobby',
            event: 'typing',
            private: true,
            payload: { participantId: 'sage', typing: true },
          },
        ],
      }),
    });
    expect(batch.status).toBe(202); // refused private messages are skipped, as Supabase does
    await listener.socket.expectNone(isTyping);
    expect((await post({ typing: true })).status).toBe(202);
    expect((await listener.socket.next(isTyping)).payload.payload).toEqual({
      participantId: 'guest:mallory',
      name: 'Mallory',
      typing: true,
    });
  });
});
