/** Wire-level behaviour of the hub with raw `ws` clients: what realtime-js relies on, byte for byte. */
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/helpers/hub.ts';
import { TestSocket } from '../../../test/helpers/sockets.ts';
import { parseAllowedOrigins } from '../../auth/allowed-origins.ts';
import type { HubOptions } from './hub.ts';

let testHub: TestHub;
let sockets: TestSocket[] = [];

async function open(vsn: '1.0.0' | '2.0.0' = '2.0.0', apikey?: string): Promise<TestSocket> {
  const socket = await TestSocket.open(testHub.socketUrl(vsn, apikey));
  sockets.push(socket);
  return socket;
}

async function restart(options: Partial<HubOptions>): Promise<void> {
  await testHub.close();
  testHub = await startTestHub(options);
}

/** Sends a raw upgrade request and resolves with the HTTP refusal (status and body). */
function upgrade(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; upgraded: boolean }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${testHub.httpUrl}${path}`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    request.on('upgrade', (_response, socket) => {
      socket.destroy();
      resolve({ status: 101, body: '', upgraded: true });
    });
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body, upgraded: false }),
      );
    });
    request.on('error', reject);
  });
}

beforeEach(async () => {
  testHub = await startTestHub();
});
afterEach(async () => {
  await Promise.all(sockets.map((socket) => socket.close()));
  sockets = [];
  await testHub.close();
});

describe('connecting', () => {
  it('refuses an upgrade without an API key, or with a bad one, with Supabase texts', async () => {
    expect(await upgrade('/realtime/v1/websocket?vsn=2.0.0')).toEqual({
      status: 401,
      body: '{"error":"API key is missing"}',
      upgraded: false,
    });
    const expired = testHub.token({ role: 'anon', exp: 1000 });
    expect(await upgrade(`/realtime/v1/websocket?vsn=2.0.0&apikey=${expired}`)).toMatchObject({
      status: 401,
      body: '{"error":"Token has expired"}',
    });
    expect(await upgrade('/realtime/v1/websocket?vsn=2.0.0&apikey=garbage')).toMatchObject({
      status: 401,
      body: '{"error":"The token provided is not a valid JWT"}',
    });
  });

  it('refuses an upgrade from a page whose origin CHORUS_ALLOWED_ORIGINS does not list, before upgrading', async () => {
    await restart({ allowedOrigins: parseAllowedOrigins('https://shop.example') });
    const path = `/realtime/v1/websocket?vsn=1.0.0&apikey=${testHub.anonKey}`;
    expect(await upgrade(path, { Origin: 'https://evil.example' })).toEqual({
      status: 403,
      body: '{"error":"Origin not allowed: the server\'s CHORUS_ALLOWED_ORIGINS must list it"}',
      upgraded: false,
    });
    expect(await upgrade(path, { Origin: 'null' })).toMatchObject({ status: 403, upgraded: false });
    expect(testHub.hub.stats().connections).toBe(0);
    expect(await upgrade(path, { Origin: 'https://shop.example' })).toMatchObject({
      status: 101,
      upgraded: true,
    });
    expect(
      await upgrade(path, { Origin: `http://127.0.0.1:${new URL(testHub.httpUrl).port}` }),
    ).toMatchObject({ upgraded: true }); // its own pages
    expect(await upgrade(path)).toMatchObject({ upgraded: true }); // no Origin: not a browser
  });

  it('refuses an unknown protocol version with 403 and an empty body', async () => {
    expect(await upgrade(`/realtime/v1/websocket?vsn=9.9.9&apikey=${testHub.anonKey}`)).toEqual({
      status: 403,
      body: '',
      upgraded: false,
    });
  });

  it('answers a heartbeat on the phoenix topic', async () => {
    const socket = await open();
    socket.send({ ref: '13', topic: 'phoenix', event: 'heartbeat', payload: {} });
    expect((await socket.next()).raw).toBe(
      '[null,"13","phoenix","phx_reply",{"status":"ok","response":{}}]',
    );
  });

  it('closes a socket that stays silent past the idle timeout', async () => {
    await restart({ limits: { idleTimeoutMs: 200 } });
    const socket = await open();
    const [code] = await once(socket.ws, 'close');
    expect(code).toBe(1006);
  });

  it('closes sockets with 1012 on shutdown', async () => {
    const socket = await open();
    const closed = once(socket.ws, 'close');
    await testHub.hub.close();
    expect((await closed)[0]).toBe(1012);
  });
});

describe('joining', () => {
  it('echoes postgres_changes bindings with truthy ids and sends presence_state when presence is enabled', async () => {
    const socket = await open();
    const bindings = [
      { event: 'INSERT', schema: 'public', table: 'todos', filter: 'id=eq.1' },
      { event: '*', schema: 'public' },
    ];
    const reply = await socket.join('realtime:room1', {
      config: { presence: { key: 'me', enabled: true }, postgres_changes: bindings },
    });
    expect(reply.joinRef).toBe(reply.ref);
    expect(reply.payload.status).toBe('ok');
    expect(reply.payload.response.postgres_changes).toEqual(
      bindings.map((binding) => ({ ...binding, id: expect.any(Number) })),
    );
    for (const { id } of reply.payload.response.postgres_changes) expect(id).toBeGreaterThan(0);
    const state = await socket.next();
    expect(state.raw).toBe(`["${reply.joinRef}",null,"realtime:room1","presence_state",{}]`);
  });

  it('refuses topics outside realtime: and the bare prefix', async () => {
    const socket = await open();
    socket.send({ joinRef: '1', ref: '1', topic: 'room1', event: 'phx_join', payload: {} });
    expect((await socket.next()).raw).toBe(
      '[null,"1","room1","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]',
    );
    expect((await socket.join('realtime:')).payload).toEqual({
      status: 'error',
      response: { reason: 'TopicNameRequired: You must provide a topic name' },
    });
  });

  it('replaces a channel joined again on the same socket, closing the old join_ref only', async () => {
    const socket = await open();
    const first = await socket.join('realtime:room1');
    const second = await socket.join('realtime:room1');
    const close = await socket.next((frame) => frame.event === 'phx_close');
    expect([close.joinRef, close.ref]).toEqual([first.joinRef, first.joinRef]);
    expect(second.payload.status).toBe('ok');
  });

  it('answers a stale join_ref as an unmatched topic, and a leave with ok then phx_close', async () => {
    const socket = await open();
    const { joinRef } = await socket.join('realtime:room1', {
      config: { broadcast: { ack: true } },
    });
    socket.send({
      joinRef: 'stale',
      ref: '50',
      topic: 'realtime:room1',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'x', payload: {} },
    });
    expect((await socket.next()).payload).toEqual({
      status: 'error',
      response: { reason: 'unmatched topic' },
    });
    socket.send({ joinRef, ref: '51', topic: 'realtime:room1', event: 'phx_leave', payload: {} });
    expect((await socket.next()).raw).toBe(
      `["${joinRef}","51","realtime:room1","phx_reply",{"status":"ok","response":{}}]`,
    );
    expect((await socket.next()).raw).toBe(
      `["${joinRef}","${joinRef}","realtime:room1","phx_close",{}]`,
    );
    socket.send({
      joinRef: '9',
      ref: '52',
      topic: 'realtime:other',
      event: 'phx_leave',
      payload: {},
    });
    expect((await socket.next()).payload).toEqual({ status: 'ok', response: {} });
  });

  it('refuses replay on public channels and public joins when private-only', async () => {
    const socket = await open();
    expect(
      (await socket.join('realtime:room1', { config: { broadcast: { replay: { since: 0 } } } }))
        .payload.response.reason,
    ).toBe('UnableToReplayMessages: Replay is not allowed for public channels');
    await restart({ privateOnly: true });
    const again = await open();
    expect((await again.join('realtime:room1')).payload.response.reason).toBe(
      'PrivateOnly: This project only allows private channels',
    );
  });

  it('limits channels per socket and closes a socket that joins too fast with 1001', async () => {
    await restart({ limits: { maxChannelsPerSocket: 2, maxJoinsPerSecond: 4 } });
    const socket = await open();
    await socket.join('realtime:a');
    await socket.join('realtime:b');
    expect((await socket.join('realtime:c')).payload.response.reason).toBe(
      'ChannelRateLimitReached: Too many channels',
    );
    const closed = once(socket.ws, 'close');
    await socket.join('realtime:a');
    expect((await socket.join('realtime:b')).payload.response.reason).toBe(
      'ClientJoinRateLimitReached: Too many joins per second',
    );
    expect((await closed)[0]).toBe(1001);
  });
});

describe('broadcast relay', () => {
  it('relays a kind 3 push as kind 4 to vsn 2 and as a JSON object to vsn 1', async () => {
    const [sender, modern, legacy] = [await open(), await open('2.0.0'), await open('1.0.0')];
    const { joinRef } = await sender.join('realtime:room1');
    await modern.join('realtime:room1');
    await legacy.join('realtime:room1');
    const topic = Buffer.from('realtime:room1');
    sender.ws.send(
      Buffer.concat([
        Buffer.from([3, joinRef.length, 1, topic.length, 2, 0, 1]),
        Buffer.from(`${joinRef}7`),
        topic,
        Buffer.from('ev{"hello":"wörld"}'),
      ]),
    );
    const binary = await modern.next();
    expect(binary.raw).toEqual(
      Buffer.concat([
        Buffer.from([4, topic.length, 2, 0, 1]),
        topic,
        Buffer.from('ev{"hello":"wörld"}'),
      ]),
    );
    expect((await legacy.next()).raw).toBe(
      '{"topic":"realtime:room1","event":"broadcast","payload":{"event":"ev","payload":{"hello":"wörld"},"type":"broadcast"},"ref":null}',
    );
    await sender.expectNone();
  });

  it('relays a vsn 1 push to vsn 2 as a JSON array with the payload as sent', async () => {
    const [sender, modern] = [await open('1.0.0'), await open('2.0.0')];
    const { joinRef } = await sender.join('realtime:room1');
    await modern.join('realtime:room1');
    const payload = { type: 'broadcast', event: 'ev', payload: { n: 1 } };
    sender.send({ joinRef, ref: '9', topic: 'realtime:room1', event: 'broadcast', payload });
    expect((await modern.next()).raw).toBe(
      `[null,null,"realtime:room1","broadcast",${JSON.stringify(payload)}]`,
    );
  });

  it('answers an oversized broadcast with payload_size_exceeded when ack is on, and drops it', async () => {
    await restart({ limits: { maxPayloadKb: 1 } });
    const [sender, receiver] = [await open('1.0.0'), await open()];
    const { joinRef } = await sender.join('realtime:room1', {
      config: { broadcast: { ack: true } },
    });
    await receiver.join('realtime:room1');
    sender.send({
      joinRef,
      ref: '9',
      topic: 'realtime:room1',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'big', payload: { text: 'x'.repeat(2000) } },
    });
    expect((await sender.next()).payload).toEqual({
      status: 'error',
      response: 'payload_size_exceeded',
    });
    await receiver.expectNone();
  });

  it('closes a channel that sends too many events per second with a system error', async () => {
    await restart({ limits: { maxEventsPerSecond: 3 } });
    const socket = await open();
    const { joinRef } = await socket.join('realtime:room1');
    for (let index = 0; index < 4; index += 1) {
      socket.send({
        joinRef,
        ref: String(100 + index),
        topic: 'realtime:room1',
        event: 'broadcast',
        payload: { type: 'broadcast', event: 'e', payload: {} },
      });
    }
    expect((await socket.next((frame) => frame.event === 'system')).payload).toEqual({
      extension: 'system',
      status: 'error',
      message: 'Too many messages per second',
      channel: 'room1',
    });
    expect((await socket.next()).raw).toBe(
      `["${joinRef}","${joinRef}","realtime:room1","phx_close",{}]`,
    );
  });

  it('cuts off a subscriber that cannot keep up instead of buffering without bound', async () => {
    await restart({ limits: { maxBufferedBytes: 64 * 1024 } });
    const fast = await open();
    await fast.join('realtime:room1');
    // A subscriber that joins, then never reads again: its queue grows until the hub cuts it off.
    const slow = net.connect(Number(new URL(testHub.httpUrl).port), '127.0.0.1');
    await once(slow, 'connect');
    slow.write(
      `GET /realtime/v1/websocket?vsn=1.0.0&apikey=${testHub.anonKey} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n` +
        'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await once(slow, 'data');
    const join = Buffer.from(
      '{"topic":"realtime:room1","event":"phx_join","payload":{},"ref":"1","join_ref":"1"}',
    );
    slow.write(Buffer.concat([Buffer.from([0x81, 0x80 | join.length, 0, 0, 0, 0]), join])); // masked text frame, zero mask
    await once(slow, 'data');
    slow.pause();
    try {
      let published = 0;
      while (testHub.hub.stats().connections === 2) {
        testHub.hub.publish({
          topic: 'room1',
          event: 'flood',
          payload: { text: 'x'.repeat(8192) },
          private: false,
        });
        published += 1;
        if (published % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
        expect(published).toBeLessThan(20_000); // 160 MB: the cut-off never came
      }
      testHub.hub.publish({ topic: 'room1', event: 'after', payload: {}, private: false });
      await fast.next((frame) => frame.payload.event === 'after', 10_000);
    } finally {
      slow.destroy();
    }
  });
});

describe('presence', () => {
  it('diffs an update as a leave of the old ref and a join carrying phx_ref_prev', async () => {
    const socket = await open();
    const { joinRef } = await socket.join('realtime:room1', {
      config: { presence: { key: 'ada', enabled: true } },
    });
    await socket.next((frame) => frame.event === 'presence_state');
    const track = (ref: string, payload: unknown) =>
      socket.send({
        joinRef,
        ref,
        topic: 'realtime:room1',
        event: 'presence',
        payload: { type: 'presence', event: 'track', payload },
      });
    track('20', { name: 'Ada' });
    expect((await socket.next((frame) => frame.ref === '20')).payload).toEqual({
      status: 'ok',
      response: {},
    });
    const joined = await socket.next((frame) => frame.event === 'presence_diff');
    expect(joined.joinRef).toBeNull();
    const firstRef = joined.payload.joins.ada.metas[0].phx_ref;
    expect(joined.payload).toEqual({
      joins: { ada: { metas: [{ name: 'Ada', phx_ref: firstRef }] } },
      leaves: {},
    });

    track('21', { name: 'Ada', status: 'away' });
    const updated = await socket.next((frame) => frame.event === 'presence_diff');
    expect(updated.payload.leaves).toEqual({
      ada: { metas: [{ name: 'Ada', phx_ref: firstRef }] },
    });
    expect(updated.payload.joins.ada.metas[0]).toMatchObject({
      name: 'Ada',
      status: 'away',
      phx_ref_prev: firstRef,
    });

    track('22', { name: 'Ada', status: 'away' });
    await socket.next((frame) => frame.ref === '22');
    await socket.expectNone((frame) => frame.event === 'presence_diff');
  });

  it('refuses a track payload that is not a map, and closes a channel over the presence rate', async () => {
    await restart({ limits: { maxPresenceCalls: 2 } });
    const socket = await open();
    const { joinRef } = await socket.join('realtime:room1');
    const push = (ref: string, payload: unknown) =>
      socket.send({ joinRef, ref, topic: 'realtime:room1', event: 'presence', payload });
    push('30', { type: 'presence', event: 'track', payload: 'nope' });
    expect((await socket.next()).payload).toEqual({
      status: 'error',
      response: { reason: 'Presence track payload must be a map' },
    });
    push('31', { type: 'presence', event: 'untrack' });
    expect((await socket.next()).payload).toEqual({ status: 'ok', response: {} });
    push('32', { type: 'presence', event: 'track', payload: {} });
    expect((await socket.next()).payload.message).toBe('Client presence rate limit exceeded');
    expect((await socket.next()).event).toBe('phx_close');
  });

  it('treats presence keys like constructor and __proto__ as plain keys', async () => {
    const [first, second] = [await open(), await open()];
    for (const [socket, key] of [
      [first, 'constructor'],
      [second, '__proto__'],
    ] as const) {
      const { joinRef } = await socket.join('realtime:room1', {
        config: { presence: { key, enabled: true } },
      });
      socket.send({
        joinRef,
        ref: '40',
        topic: 'realtime:room1',
        event: 'presence',
        payload: { type: 'presence', event: 'track', payload: { key } },
      });
      expect((await socket.next((frame) => frame.ref === '40')).payload.status).toBe('ok');
    }
    const observer = await open();
    await observer.join('realtime:room1', { config: { presence: { enabled: true } } });
    const state = (await observer.next((frame) => frame.event === 'presence_state')).payload;
    expect(Object.keys(state).sort()).toEqual(['__proto__', 'constructor']);
    expect(state.constructor.metas[0].key).toBe('constructor');
  });

  it('lets the server track a presence of its own that members see', async () => {
    const socket = await open('1.0.0');
    await socket.join('realtime:room:lobby', {
      access_token: testHub.roomToken('lobby'),
      config: { private: true, presence: { key: 'human-1', enabled: true } },
    });
    await socket.next((frame) => frame.event === 'presence_state');
    const agent = testHub.hub.trackServerPresence({
      topic: 'room:lobby',
      key: 'agent-sage',
      state: { kind: 'agent', status: 'idle' },
    });
    const diff = await socket.next((frame) => frame.event === 'presence_diff');
    expect(diff.payload.joins['agent-sage'].metas[0]).toMatchObject({
      kind: 'agent',
      status: 'idle',
    });
    agent.untrack();
    expect(
      Object.keys((await socket.next((frame) => frame.event === 'presence_diff')).payload.leaves),
    ).toEqual(['agent-sage']);
  });
});

describe('server-side listeners', () => {
  it('hears every JSON broadcast of a topic, from sockets, REST and publish, until it stops listening', async () => {
    const heard: Array<[string, unknown]> = [];
    const stop = testHub.hub.listen({ topic: 'room1', private: false }, (event, payload) =>
      heard.push([event, payload]),
    );
    const socket = await open();
    const { joinRef } = await socket.join('realtime:room1', {
      config: { broadcast: { ack: true } },
    });
    socket.send({
      joinRef,
      ref: '5',
      topic: 'realtime:room1',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'from-socket', payload: { a: 1 } },
    });
    await socket.next((frame) => frame.ref === '5');
    testHub.hub.publish({
      topic: 'room1',
      event: 'from-publish',
      payload: { b: 2 },
      private: false,
    });
    testHub.hub.publish({ topic: 'room1', event: 'private-one', payload: {}, private: true });
    stop();
    testHub.hub.publish({ topic: 'room1', event: 'after-stop', payload: {}, private: false });
    expect(heard).toEqual([
      ['from-socket', { a: 1 }],
      ['from-publish', { b: 2 }],
    ]);
  });
});

describe('REST broadcast', () => {
  const post = (path: string, init: RequestInit) =>
    fetch(`${testHub.httpUrl}/realtime/v1/api/broadcast${path}`, { method: 'POST', ...init });

  it('fans a batch out to every subscriber and answers 202', async () => {
    const socket = await open();
    await socket.join('realtime:room1');
    const response = await post(`?apikey=${testHub.anonKey}&vsn=2.0.0`, {
      headers: { apikey: testHub.anonKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        messages: [{ topic: 'room1', event: 'e', payload: { n: 1 }, private: false }],
      }),
    });
    expect([response.status, await response.text()]).toEqual([202, '']);
    expect((await socket.next()).raw).toBe(
      '[null,null,"realtime:room1","broadcast",{"payload":{"n":1},"event":"e","type":"broadcast"}]',
    );
  });

  it('refuses a bad token with 401 and invalid messages with 422, changing nothing', async () => {
    const socket = await open();
    await socket.join('realtime:room1');
    const unauthorized = await post('', { headers: { authorization: 'Bearer nope' }, body: '{}' });
    expect([unauthorized.status, await unauthorized.json()]).toEqual([
      401,
      { message: 'Unauthorized' },
    ]);
    const invalid = await post('', {
      headers: { apikey: testHub.anonKey },
      body: JSON.stringify({
        messages: [
          { topic: 'room1', event: 'e', payload: { ok: true } },
          { topic: 'room1', payload: 'x' },
        ],
      }),
    });
    expect([invalid.status, await invalid.json()]).toEqual([
      422,
      { errors: { messages: [{}, { event: ["can't be blank"], payload: ["can't be blank"] }] } },
    ]);
    await socket.expectNone();
  });

  it('answers the single-message endpoint with 202, 403 for a forbidden private send, and 415 for other types', async () => {
    const member = await open('2.0.0', testHub.anonKey);
    await member.join('realtime:room:lobby', {
      access_token: testHub.roomToken('lobby'),
      config: { private: true },
    });
    const headers = {
      authorization: `Bearer ${testHub.roomToken('lobby')}`,
      'content-type': 'application/json',
    };
    const allowed = await post('/room%3Alobby/events/typing?private=true', {
      headers,
      body: '{"typing":true}',
    });
    expect(allowed.status).toBe(202);
    expect((await member.next()).payload).toEqual({
      type: 'broadcast',
      event: 'typing',
      payload: { participantId: 'user-lobby', name: 'Tester', typing: true },
    });
    const forbidden = await post('/room%3Alobby/events/message?private=true', {
      headers,
      body: '{}',
    });
    expect([forbidden.status, await forbidden.json()]).toEqual([403, { message: 'Unauthorized' }]);
    const wrongType = await post('/room%3Alobby/events/typing', {
      headers: { ...headers, 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect([wrongType.status, await wrongType.json()]).toEqual([
      415,
      { error: 'Unsupported Media Type. Use application/json or application/octet-stream' },
    ]);
    await member.expectNone();
  });

  it('answers a page that CHORUS_ALLOWED_ORIGINS does not list with 403, and a listed one with its own origin, not *', async () => {
    await restart({ allowedOrigins: parseAllowedOrigins('https://shop.example') });
    const socket = await open();
    await socket.join('realtime:room1');
    const body = JSON.stringify({
      messages: [{ topic: 'room1', event: 'e', payload: { n: 1 }, private: false }],
    });
    const headers = { apikey: testHub.anonKey, 'content-type': 'application/json' };
    for (const method of ['OPTIONS', 'POST']) {
      const refused = await fetch(`${testHub.httpUrl}/realtime/v1/api/broadcast`, {
        method,
        headers: { ...headers, origin: 'https://evil.example' },
        ...(method === 'POST' ? { body } : {}),
      });
      expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([
        403,
        null,
      ]);
    }
    await socket.expectNone();
    const allowed = await post('', {
      headers: { ...headers, origin: 'https://shop.example' },
      body,
    });
    expect([
      allowed.status,
      allowed.headers.get('access-control-allow-origin'),
      allowed.headers.get('vary'),
    ]).toEqual([202, 'https://shop.example', 'Origin']);
    await socket.next();
  });

  it('answers CORS preflights for browsers', async () => {
    const response = await fetch(`${testHub.httpUrl}/realtime/v1/api/broadcast`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://example.com',
        'access-control-request-headers': 'apikey, authorization, content-type, x-client-info',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'apikey, authorization, content-type, x-client-info',
    );
  });
});
