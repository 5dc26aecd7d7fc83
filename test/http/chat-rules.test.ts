/**
 * `POST /api/rooms/:room/chat` follows the rules of posting (docs/architecture.md §8, §9): the
 * same per-participant limit as `POST /api/rooms/:room/messages`, mutes, and a participant as
 * author (the service key may not chat). Over the API harness (ada and bob answer).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startApi, type ApiHarness } from './api-harness.ts';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi({ limits: { messagesPerMinute: 2 } });
});

afterAll(async () => {
  await api.close();
});

const chatBody = (text: string, id = `sdk${randomUUID().slice(0, 8)}`) => ({
  id: 'chat',
  trigger: 'submit-message',
  messages: [{ id, role: 'user', parts: [{ type: 'text', text }] }],
});

describe('POST /api/rooms/:room/chat: the rules of posting', () => {
  it('counts against the same per-participant limit as the messages endpoint', async () => {
    const room = `rules-${randomUUID().slice(0, 8)}`;
    const { token } = await api.session(room, 'Grace');
    const posted = await api.request('POST', `/api/rooms/${room}/messages`, {
      token,
      body: { id: randomUUID(), content: 'first, by REST' },
    });
    expect(posted.status).toBe(201);
    const chatted = await api.request('POST', `/api/rooms/${room}/chat`, {
      token,
      body: chatBody('second, by useChat'),
    });
    expect(chatted.status).toBe(200);
    expect(chatted.text).toContain('"type":"finish"');
    const refused = await api.request('POST', `/api/rooms/${room}/chat`, {
      token,
      body: chatBody('third'),
    });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
  });

  it('refuses a muted participant and the service key, posting nothing', async () => {
    const room = `rules-${randomUUID().slice(0, 8)}`;
    const guest = await api.session(room, 'Grace');
    const staff = await api.request('POST', '/api/session', {
      token: ADMIN_KEY,
      body: { room, name: 'Root' },
    });
    expect(staff.status, staff.text).toBe(200);
    const mute = await api.request(
      'POST',
      `/api/rooms/${room}/participants/${encodeURIComponent(guest.participant.id)}/mute`,
      { token: staff.body.token, body: { muted: true } },
    );
    expect(mute.status, mute.text).toBe(200);
    const before = await api.snapshot();

    const muted = await api.request('POST', `/api/rooms/${room}/chat`, {
      token: guest.token,
      body: chatBody('let me speak'),
    });
    expect(muted.status).toBe(403);
    expect(muted.body.error.code).toBe('muted');
    const service = await api.request('POST', `/api/rooms/${room}/chat`, {
      token: api.hub.serviceKey,
      body: chatBody('as the server'),
    });
    expect(service.status).toBe(403);
    expect(service.body.error.code).toBe('participant_required');
    expect(await api.snapshot()).toEqual(before);
  });
});
