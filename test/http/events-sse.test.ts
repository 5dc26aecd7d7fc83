import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait-for.ts';
import { openSse, startApi, type ApiHarness, type SseClient } from './api-harness.ts';

let api: ApiHarness;
const streams: SseClient[] = [];

beforeAll(async () => {
  api = await startApi({ sseHeartbeatMs: 50 });
});

afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
});

afterAll(async () => {
  await api.close();
});

async function open(url: string, headers: Record<string, string> = {}) {
  const stream = await openSse(url, headers);
  streams.push(stream);
  return stream;
}

async function joinRoom() {
  const room = `sse-${randomUUID().slice(0, 8)}`;
  const { token, participant } = await api.session(room, 'Grace');
  return { room, token, participantId: participant.id };
}

const listeners = (room: string) => api.subscriptions(room);

describe('GET /api/rooms/:room/events', () => {
  it("streams a posted message and an agent reply's events, in order", async () => {
    const { room, token } = await joinRoom();
    const stream = await open(`${api.url}/api/rooms/${room}/events`, {
      authorization: `Bearer ${token}`,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    await stream.comment(/^connected to room/);

    const id = randomUUID();
    const posted = await api.request('POST', `/api/rooms/${room}/messages`, {
      token,
      body: { id, content: 'Hi @ada' },
    });
    expect(posted.status).toBe(201);
    const message = await stream.next((entry) => entry.event === 'message');
    expect(message.data).toEqual({ message: posted.body.message });
    const end = await stream.next((entry) => entry.event === 'message-end');
    const reply = (
      end.data as { message: { id: string; content: string; status: string; seq: number } }
    ).message;
    expect(reply).toMatchObject({ content: 'Hello from Ada.', status: 'complete' });

    const ofReply = stream.events.filter(
      (entry) => (entry.data as { id?: string }).id === reply.id || entry === end,
    );
    expect(ofReply[0]).toMatchObject({
      event: 'message-start',
      data: { id: reply.id, roomId: room, replyTo: id, reason: 'mention', author: { id: 'ada' } },
    });
    const deltas = ofReply
      .filter((entry) => entry.event === 'text-delta')
      .map((entry) => entry.data as { seq: number; delta: string });
    expect(deltas.map((delta) => delta.seq)).toEqual(deltas.map((_, index) => index + 1));
    expect(deltas.map((delta) => delta.delta).join('')).toBe('Hello from Ada.');
    expect(ofReply.at(-1)?.event).toBe('message-end');
    expect(reply.seq).toBe(deltas.length);
  });

  it('sends heartbeat comments, and releases its subscription when the client disconnects', async () => {
    const { room, token } = await joinRoom();
    const stream = await open(`${api.url}/api/rooms/${room}/events`, {
      authorization: `Bearer ${token}`,
    });
    await stream.comment(/^connected/);
    expect(listeners(room)).toBe(1);
    await stream.comment(/^heartbeat$/);
    stream.close();
    await waitFor(() => listeners(room) === 0, { what: 'the subscription to be released' });
    await waitFor(
      () =>
        api.logs.some(
          (entry) =>
            entry.event === 'http.request' && entry.fields.path === `/api/rooms/${room}/events`,
        ),
      {
        what: 'the access log line of the stream',
      },
    );
  });

  it('accepts the token as ?access_token= (EventSource cannot set headers) and keeps it out of the access log', async () => {
    const { room, token } = await joinRoom();
    const stream = await open(`${api.url}/api/rooms/${room}/events?access_token=${token}`);
    expect(stream.status).toBe(200);
    await stream.comment(/^connected/);
    stream.close();
    await waitFor(
      () => api.logs.some((entry) => entry.fields.path === `/api/rooms/${room}/events`),
      { what: 'the access log' },
    );
    expect(JSON.stringify(api.logs)).not.toContain(token);
  });

  it('ends the stream when the room token expires', async () => {
    const { room, token } = await joinRoom(); // valid for an hour...
    const later = await api.variant({
      sseHeartbeatMs: 50,
      now: () => Date.now() + 3600_000 - 1500,
    }); // ...of which 0.5–1.5 s are left here (exp has whole seconds)
    const stream = await open(`${later.url}/api/rooms/${room}/events`, {
      authorization: `Bearer ${token}`,
    });
    expect(stream.status).toBe(200);
    await stream.ended;
    expect(stream.comments).toContain('token expired');
    await waitFor(() => listeners(room) === 0, { what: 'the subscription to be released' });
  });

  it('answers 503 realtime_unavailable when the subscription cannot be made, and HEAD without streaming', async () => {
    const { room, token } = await joinRoom();
    const down = await api.variant({
      roomEvents: {
        subscribe: () => Promise.reject(new Error('join timed out')),
        broadcast: () => Promise.resolve(),
      },
    });
    const response = await down.request('GET', `/api/rooms/${room}/events`, { token });
    expect(response.status).toBe(503);
    expect(response.body.error).toMatchObject({
      code: 'realtime_unavailable',
      message: expect.stringMatching(/unavailable right now/),
    });
    const head = await api.request('HEAD', `/api/rooms/${room}/events`, { token });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(listeners(room)).toBe(0);
  });

  it('refuses a missing token (401) and another room (403) as JSON', async () => {
    const { room } = await joinRoom();
    const other = await joinRoom();
    const anonymous = await open(`${api.url}/api/rooms/${room}/events`);
    expect(anonymous.status).toBe(401);
    const forbidden = await open(`${api.url}/api/rooms/${room}/events`, {
      authorization: `Bearer ${other.token}`,
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['content-type']).toMatch(/^application\/json/);
    expect(listeners(room)).toBe(0);
  });
});
