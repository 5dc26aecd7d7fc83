/**
 * `POST /api/rooms/:room/typing`: typing through the server (server/http/routes/typing.ts), with
 * the real app, bus and hub; a member socket on the room's channel hears what it broadcasts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestSocket, type TestFrame } from '../helpers/sockets.ts';
import { startApi, type ApiHarness } from './api-harness.ts';

let api: ApiHarness;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  api = await startApi();
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
});
afterAll(async () => {
  await api.close();
});

const isTyping = (frame: TestFrame) =>
  frame.event === 'broadcast' && frame.payload.event === 'typing';

/** A fresh room with a participant, and a listener on its channel. */
async function roomWithListener(name = 'Grace') {
  const room = `room-${randomUUID().slice(0, 8)}`;
  const session = await api.session(room, name);
  const listener = await TestSocket.open(api.hub.socketUrl('1.0.0'));
  sockets.push(listener);
  const joined = await listener.join(`realtime:room:${room}`, {
    access_token: api.hub.roomToken(room, { sub: 'guest:listener' }),
    config: { private: true },
  });
  expect(joined.payload.status).toBe('ok');
  return { room, token: session.token, participantId: session.participant.id, listener };
}

describe('POST /api/rooms/:room/typing', () => {
  it('broadcasts typing as the participant of the token and answers 204', async () => {
    const { room, token, participantId, listener } = await roomWithListener('Grace');
    const response = await api.request('POST', `/api/rooms/${room}/typing`, {
      token,
      body: { typing: true },
    });
    expect([response.status, response.text]).toEqual([204, '']);
    expect((await listener.next(isTyping)).payload.payload).toEqual({
      participantId,
      name: 'Grace',
      typing: true,
    });
    await api.request('POST', `/api/rooms/${room}/typing`, { token, body: { typing: false } });
    expect((await listener.next(isTyping)).payload.payload).toEqual({
      participantId,
      name: 'Grace',
      typing: false,
    });
  });

  it('refuses a body that names someone else or is not {typing: boolean} with 400, sending nothing', async () => {
    const { room, token, listener } = await roomWithListener();
    for (const body of [
      { typing: true, participantId: 'agent:sage', name: 'Sage' },
      { typing: 'yes' },
      {},
      { typing: true, padding: 'x'.repeat(5_000) },
    ]) {
      const response = await api.request('POST', `/api/rooms/${room}/typing`, { token, body });
      expect([response.status, response.body.error.code]).toEqual([400, 'invalid_request']);
    }
    await listener.expectNone(isTyping);
  });

  it('refuses a service key (403 participant_required), no token (401) and another room’s token (403)', async () => {
    const { room, listener } = await roomWithListener();
    const other = await api.session(`room-${randomUUID().slice(0, 8)}`);
    const service = await api.request('POST', `/api/rooms/${room}/typing`, {
      token: api.hub.serviceKey,
      body: { typing: true },
    });
    expect([service.status, service.body.error.code]).toEqual([403, 'participant_required']);
    expect(
      (await api.request('POST', `/api/rooms/${room}/typing`, { body: { typing: true } })).status,
    ).toBe(401);
    expect(
      (
        await api.request('POST', `/api/rooms/${room}/typing`, {
          token: other.token,
          body: { typing: true },
        })
      ).status,
    ).toBe(403);
    await listener.expectNone(isTyping);
  });

  it('limits typing updates per participant (429 with Retry-After), and what is refused is not sent', async () => {
    const { room, token, listener } = await roomWithListener();
    const statuses: number[] = [];
    for (let index = 0; index < 41; index += 1)
      statuses.push(
        (
          await api.request('POST', `/api/rooms/${room}/typing`, {
            token,
            body: { typing: index % 2 === 0 },
          })
        ).status,
      );
    expect(statuses.filter((status) => status === 204)).toHaveLength(40);
    expect(statuses.at(-1)).toBe(429);
    for (let index = 0; index < 40; index += 1) await listener.next(isTyping);
    await listener.expectNone(isTyping, 100);
  });

  it('tells the widget of the embedded hub to send typing on the channel', async () => {
    const response = await api.request('POST', '/api/session', {
      body: { room: `room-${randomUUID().slice(0, 8)}`, name: 'Grace' },
    });
    expect(response.body.realtime.typing).toBe('channel');
  });
});
