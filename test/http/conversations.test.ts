/**
 * Support rooms, roles, takeover, moderation and the admin API over REST (docs/architecture.md §8):
 * every rule a visitor, an operator and an admin rely on, each refusal a 403 with the error body
 * that changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../server/auth/jwt.ts';
import { nowSeconds } from '../helpers/hub.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { ADMIN_KEY, IDENTITY_SECRET, startApi, type ApiHarness } from './api-harness.ts';

let api: ApiHarness;
const unsubscribes: Array<() => Promise<void>> = [];

beforeAll(async () => {
  api = await startApi();
});
afterEach(async () => {
  await Promise.all(unsubscribes.splice(0).map((unsubscribe) => unsubscribe()));
});
afterAll(async () => {
  await api.close();
});

interface Session {
  token: string;
  participant: { id: string; name: string; role: string };
  room: { id: string; parent: string | null; kind: string; status: string | null };
}

/** An identity JWT as a host site signs it. */
function identity(sub: string, name: string, role?: string): string {
  return signJwt(
    { sub, name, ...(role ? { role } : {}), exp: nowSeconds() + 600 },
    IDENTITY_SECRET,
  );
}

async function session(
  room: string,
  name: string,
  options: { identity?: string; token?: string } = {},
): Promise<Session> {
  const response = await api.request('POST', '/api/session', {
    ...(options.token ? { token: options.token } : {}),
    body: { room, name, ...(options.identity ? { identity: options.identity } : {}) },
  });
  expect(response.status, response.text).toBe(200);
  return response.body as Session;
}

async function supportRoom(settings: Record<string, unknown> = {}): Promise<string> {
  const id = `help-${randomUUID().slice(0, 8)}`;
  const saved = await api.request('PUT', `/api/admin/rooms/${id}`, {
    token: ADMIN_KEY,
    body: { title: 'Help desk', kind: 'support', ...settings },
  });
  expect(saved.status, saved.text).toBe(201);
  return id;
}

async function post(roomId: string, token: string, content: string) {
  return api.request('POST', `/api/rooms/${roomId}/messages`, {
    token,
    body: { id: randomUUID(), content },
  });
}

async function messages(roomId: string, token: string) {
  const page = await api.request('GET', `/api/rooms/${roomId}/messages`, { token });
  expect(page.status, page.text).toBe(200);
  return page.body.messages as Array<{
    id: string;
    author: { kind: string; id: string; name: string; role?: string };
    content: string;
    status: string;
  }>;
}

/** Every broadcast of a room from now on. */
async function record(roomId: string) {
  const events: Array<{ event: string; payload: Record<string, unknown> }> = [];
  unsubscribes.push(
    await api.bus.subscribe(roomId, (event, payload) => events.push({ event, payload })),
  );
  return events;
}

function expectRefusal(response: { status: number; body: unknown }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ error: { code, message: expect.any(String) } });
}

describe('support rooms: a private conversation per visitor', () => {
  it('gives each visitor their own conversation, and two visitors never read each other', async () => {
    const room = await supportRoom();
    const ada = await session(room, 'Vera');
    const bea = await session(room, 'Wes');
    expect(ada.room).toMatchObject({
      parent: room,
      kind: 'support',
      status: 'bot',
      title: 'Help desk',
    });
    expect(ada.room.id).not.toBe(room);
    expect(bea.room.id).not.toBe(ada.room.id);

    expect((await post(ada.room.id, ada.token, 'My order is late')).status).toBe(201);
    await waitFor(async () => (await messages(ada.room.id, ada.token)).length >= 2);

    const snapshot = await api.snapshot();
    expectRefusal(
      await api.request('GET', `/api/rooms/${ada.room.id}/messages`, { token: bea.token }),
      403,
      'forbidden_room',
    );
    expectRefusal(await post(ada.room.id, bea.token, 'let me in'), 403, 'forbidden_room');
    expectRefusal(
      await api.request('GET', `/api/rooms/${room}/messages`, { token: bea.token }),
      403,
      'forbidden_room',
    );
    expect(await api.snapshot()).toEqual(snapshot);
    expect(await messages(bea.room.id, bea.token)).toEqual([]);

    // Asking for Ada's conversation by its id does not give Bea a way in either.
    expectRefusal(
      await api.request('POST', '/api/session', {
        token: bea.token,
        body: { room: ada.room.id, name: 'Wes' },
      }),
      403,
      'forbidden',
    );
  });

  it('gives the same visitor the same conversation: on refresh, and for a verified user on any device', async () => {
    const room = await supportRoom();
    const first = await session(room, 'Vera');
    const refreshed = await session(room, 'Vera', { token: first.token });
    expect(refreshed.room.id).toBe(first.room.id);
    expect(refreshed.participant.id).toBe(first.participant.id);

    const phone = await session(room, 'Cy', { identity: identity('cy-7', 'Cy') });
    const laptop = await session(room, 'Cy', { identity: identity('cy-7', 'Cy') });
    expect(phone.participant).toMatchObject({ id: 'user:cy-7', role: 'member' });
    expect(laptop.room.id).toBe(phone.room.id);
    expect(laptop.room.id).not.toBe(first.room.id);
  });

  it('opens one conversation when the same visitor asks twice at once', async () => {
    const room = await supportRoom();
    const user = identity('dee-1', 'Dee');
    const [one, two] = await Promise.all([
      session(room, 'Dee', { identity: user }),
      session(room, 'Dee', { identity: user }),
    ]);
    expect(one.room.id).toBe(two.room.id);
  });

  it('keeps a shared room shared: everyone gets the room itself', async () => {
    const room = `shared-${randomUUID().slice(0, 8)}`;
    const ada = await session(room, 'Vera');
    const bea = await session(room, 'Wes');
    expect(ada.room).toMatchObject({ id: room, parent: null, kind: 'shared', status: null });
    expect(bea.room.id).toBe(room);
  });
});

describe('staff', () => {
  it('an operator sees every conversation of their room (waiting first) and none of another', async () => {
    const room = await supportRoom();
    const other = await supportRoom();
    const ada = await session(room, 'Vera');
    const bea = await session(room, 'Wes');
    const stranger = await session(other, 'Cy');
    await post(ada.room.id, ada.token, 'Hello');
    await post(bea.room.id, bea.token, 'Hi there');
    const operator = await session(room, 'Olga', {
      identity: identity('olga', 'Olga', 'operator'),
    });
    expect(operator.room).toMatchObject({ id: room, parent: null, kind: 'support' });
    expect(operator.participant.role).toBe('operator');

    expect(
      (
        await api.request('POST', `/api/rooms/${ada.room.id}/handoff`, {
          token: ada.token,
          body: { to: 'human' },
        })
      ).body,
    ).toEqual({ status: 'waiting' });
    await waitFor(async () => (await messages(bea.room.id, bea.token)).length >= 2);

    const list = await api.request('GET', `/api/rooms/${room}/conversations`, {
      token: operator.token,
    });
    expect(list.status, list.text).toBe(200);
    const ids = list.body.conversations.map((entry: { id: string }) => entry.id);
    expect(ids).toEqual([ada.room.id, bea.room.id]);
    expect(list.body.conversations[0]).toMatchObject({
      parent: room,
      visitor: { id: ada.participant.id, name: 'Vera' },
      status: 'waiting',
      waiting: true,
    });
    expect(list.body.conversations[1].lastMessage).toMatchObject({ author: { kind: 'agent' } });
    expect(list.body.conversations[1].unread).toBeGreaterThanOrEqual(2);

    // Open one: read it, and its unread count drops.
    expect((await messages(bea.room.id, operator.token)).map((entry) => entry.content)).toContain(
      'Hi there',
    );
    const read = await api.request('POST', `/api/rooms/${bea.room.id}/read`, {
      token: operator.token,
    });
    expect(read.status).toBe(204);
    const after = await api.request('GET', `/api/rooms/${room}/conversations?status=bot`, {
      token: operator.token,
    });
    expect(after.body.conversations).toEqual([
      expect.objectContaining({ id: bea.room.id, unread: 0 }),
    ]);

    expectRefusal(
      await api.request('GET', `/api/rooms/${stranger.room.id}/messages`, {
        token: operator.token,
      }),
      403,
      'forbidden_room',
    );
    expectRefusal(
      await api.request('GET', `/api/rooms/${other}/conversations`, { token: operator.token }),
      403,
      'forbidden_room',
    );
  });

  it('pages the conversation list with a cursor, without repeats or gaps', async () => {
    const room = await supportRoom();
    const ids: string[] = [];
    for (const name of ['A1', 'A2', 'A3', 'A4', 'A5'])
      ids.push((await session(room, name)).room.id);
    const admin = await session(room, 'Root', { token: ADMIN_KEY });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&before=${encodeURIComponent(cursor)}` : '?limit=2';
      const page = await api.request('GET', `/api/rooms/${room}/conversations${query}`, {
        token: admin.token,
      });
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.conversations.map((entry: { id: string }) => entry.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('refuses a visitor every staff action with 403 forbidden, changing nothing', async () => {
    const room = await supportRoom();
    const ada = await session(room, 'Vera');
    const posted = await post(ada.room.id, ada.token, 'Hello');
    await waitFor(async () => (await messages(ada.room.id, ada.token)).length >= 2);
    const snapshot = await api.snapshot();
    const token = ada.token;
    const refusals = [
      await api.request('DELETE', `/api/rooms/${ada.room.id}/messages/${posted.body.message.id}`, {
        token,
      }),
      await api.request(
        'POST',
        `/api/rooms/${ada.room.id}/participants/${encodeURIComponent(ada.participant.id)}/mute`,
        { token, body: { muted: true } },
      ),
      await api.request('POST', `/api/rooms/${ada.room.id}/handoff`, {
        token,
        body: { to: 'agents' },
      }),
      await api.request('POST', `/api/rooms/${ada.room.id}/handoff`, {
        token,
        body: { to: 'closed' },
      }),
      await api.request('POST', `/api/rooms/${ada.room.id}/read`, { token }),
      await api.request('GET', '/api/admin/rooms', { token }),
    ];
    for (const refusal of refusals) expectRefusal(refusal, 403, 'forbidden');
    expect(await api.snapshot()).toEqual(snapshot);
  });
});

describe('takeover', () => {
  it('pauses the agents while waiting and while a person answers, and they answer again after hand-back', async () => {
    const room = await supportRoom();
    const ada = await session(room, 'Vera');
    const conversation = ada.room.id;
    const events = await record(conversation);
    const operator = await session(room, 'Olga', {
      identity: identity('olga', 'Olga', 'operator'),
    });

    await post(conversation, ada.token, 'Where is my order?');
    await waitFor(async () => (await messages(conversation, ada.token)).length === 2);

    const asked = await api.request('POST', `/api/rooms/${conversation}/handoff`, {
      token: ada.token,
      body: { to: 'human' },
    });
    expect(asked.body).toEqual({ status: 'waiting' });
    await waitFor(() => events.some((entry) => entry.event === 'conversation-status'));
    expect(events.find((entry) => entry.event === 'conversation-status')?.payload).toMatchObject({
      status: 'waiting',
      by: { id: ada.participant.id, name: 'Vera' },
    });
    await post(conversation, ada.token, 'Hello? Anyone?');

    const took = await api.request('POST', `/api/rooms/${conversation}/handoff`, {
      token: operator.token,
      body: { to: 'human' },
    });
    expect(took.body).toEqual({ status: 'human' });
    const staffPost = await post(conversation, operator.token, 'Hi Ada, I am looking into it.');
    expect(staffPost.body.message.author).toMatchObject({ name: 'Olga', role: 'operator' });
    await post(conversation, ada.token, 'Thanks!');
    // A mention by the operator brings one agent in, even while a person answers.
    await post(conversation, operator.token, '@bob can you check the tracking number?');
    await waitFor(async () =>
      (await messages(conversation, ada.token)).some(
        (entry) => entry.author.id === 'bob' && entry.status === 'complete',
      ),
    );

    const back = await api.request('POST', `/api/rooms/${conversation}/handoff`, {
      token: operator.token,
      body: { to: 'agents' },
    });
    expect(back.body).toEqual({ status: 'bot' });
    await post(conversation, ada.token, 'One more question');
    await waitFor(
      async () => (await messages(conversation, ada.token)).at(-1)?.author.id === 'ada',
    );

    const transcript = await messages(conversation, ada.token);
    const lines = transcript.map((entry) =>
      entry.author.kind === 'system' ? `system: ${entry.content}` : `${entry.author.id}`,
    );
    expect(lines).toEqual([
      ada.participant.id,
      'ada',
      'system: Vera asked for a person. Someone from the team will join soon; the assistants are paused.',
      ada.participant.id,
      'system: Olga from the team joined; the assistants are paused.',
      operator.participant.id,
      ada.participant.id,
      operator.participant.id,
      'bob',
      'system: Olga handed the conversation back to the assistants.',
      ada.participant.id,
      'ada',
    ]);
    expect(
      events
        .filter((entry) => entry.event === 'conversation-status')
        .map((entry) => entry.payload.status),
    ).toEqual(['waiting', 'human', 'bot']);
  });

  it('refuses a person when the room offers none, and a closed conversation opens again when the visitor writes', async () => {
    const room = await supportRoom({ handoff: false });
    const ada = await session(room, 'Vera');
    expect(ada.room).toMatchObject({ status: 'bot' });
    const snapshot = await api.snapshot();
    expectRefusal(
      await api.request('POST', `/api/rooms/${ada.room.id}/handoff`, {
        token: ada.token,
        body: { to: 'human' },
      }),
      409,
      'handoff_not_allowed',
    );
    expect(await api.snapshot()).toEqual(snapshot);

    const admin = await session(room, 'Root', { token: ADMIN_KEY });
    const closed = await api.request('POST', `/api/rooms/${ada.room.id}/handoff`, {
      token: admin.token,
      body: { to: 'closed' },
    });
    expect(closed.body).toEqual({ status: 'closed' });
    await post(ada.room.id, ada.token, 'I still need help');
    await waitFor(
      async () => (await messages(ada.room.id, ada.token)).at(-1)?.author.kind === 'agent',
    );
    const room1 = await api.request('GET', `/api/rooms/${ada.room.id}`, { token: ada.token });
    expect(room1.body.room.status).toBe('bot');

    // A new session after a close starts a new conversation.
    await api.request('POST', `/api/rooms/${ada.room.id}/handoff`, {
      token: admin.token,
      body: { to: 'closed' },
    });
    const again = await session(room, 'Vera', { token: ada.token });
    expect(again.room.id).not.toBe(ada.room.id);
    expect(again.participant.id).toBe(ada.participant.id);
  });
});

describe('moderation', () => {
  it('removes a message in place and tells the room', async () => {
    const room = await supportRoom();
    const ada = await session(room, 'Vera');
    const events = await record(ada.room.id);
    const operator = await session(room, 'Olga', {
      identity: identity('olga', 'Olga', 'operator'),
    });
    const posted = await post(ada.room.id, ada.token, 'something rude');
    await waitFor(async () => (await messages(ada.room.id, ada.token)).length === 2);
    const removed = await api.request(
      'DELETE',
      `/api/rooms/${ada.room.id}/messages/${posted.body.message.id}`,
      { token: operator.token },
    );
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body.message).toMatchObject({ status: 'deleted', content: '', parts: [] });
    const [first] = await messages(ada.room.id, ada.token);
    expect(first).toMatchObject({ id: posted.body.message.id, status: 'deleted', content: '' });
    await waitFor(() => events.some((entry) => entry.event === 'message-deleted'));
    expect(events.find((entry) => entry.event === 'message-deleted')?.payload).toEqual({
      id: posted.body.message.id,
    });
    expectRefusal(
      await api.request('DELETE', `/api/rooms/${ada.room.id}/messages/${randomUUID()}`, {
        token: operator.token,
      }),
      404,
      'not_found',
    );
  });

  it('mutes a participant: their posts are refused with a reason until the mute is lifted', async () => {
    const room = await supportRoom();
    const ada = await session(room, 'Vera');
    const events = await record(ada.room.id);
    const operator = await session(room, 'Olga', {
      identity: identity('olga', 'Olga', 'operator'),
    });
    const path = `/api/rooms/${ada.room.id}/participants/${encodeURIComponent(ada.participant.id)}/mute`;
    const muted = await api.request('POST', path, {
      token: operator.token,
      body: { muted: true, minutes: 10 },
    });
    expect(muted.status, muted.text).toBe(200);
    expect(muted.body).toMatchObject({ participantId: ada.participant.id, muted: true });
    expect(Date.parse(muted.body.until) - Date.now()).toBeGreaterThan(9 * 60_000);
    await waitFor(() => events.some((entry) => entry.event === 'participant-muted'));

    const snapshot = await api.snapshot();
    const refused = await post(ada.room.id, ada.token, 'hello?');
    expectRefusal(refused, 403, 'muted');
    expect(refused.body.error.message).toMatch(/muted/);
    expect(await api.snapshot()).toEqual(snapshot);

    const lifted = await api.request('POST', path, {
      token: operator.token,
      body: { muted: false },
    });
    expect(lifted.body).toEqual({ participantId: ada.participant.id, muted: false, until: null });
    expect((await post(ada.room.id, ada.token, 'hello again')).status).toBe(201);

    expectRefusal(
      await api.request(
        'POST',
        `/api/rooms/${ada.room.id}/participants/${encodeURIComponent(operator.participant.id)}/mute`,
        { token: operator.token, body: { muted: true } },
      ),
      404,
      'not_found',
    );
  });
});

describe('the admin API', () => {
  it('validates every field and refuses unknown ones, changing nothing', async () => {
    const id = `admin-${randomUUID().slice(0, 8)}`;
    const snapshot = await api.snapshot();
    for (const body of [
      { color: 'red' },
      { kind: 'private' },
      { tokensPerDay: -1 },
      { starters: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] },
      { allowedOrigins: ['https://shop.example/path'] },
      { agents: ['nobody'] },
    ]) {
      const refused = await api.request('PUT', `/api/admin/rooms/${id}`, {
        token: ADMIN_KEY,
        body,
      });
      expectRefusal(refused, 400, 'invalid_request');
    }
    expect(await api.snapshot()).toEqual(snapshot);
    expectRefusal(await api.request('GET', '/api/admin/rooms'), 401, 'unauthorized');
  });

  it('applies settings to an existing room at once', async () => {
    const id = `admin-${randomUUID().slice(0, 8)}`;
    const ada = await session(id, 'Vera');
    await post(id, ada.token, 'first');
    await waitFor(async () => (await messages(id, ada.token)).length === 2);

    const saved = await api.request('PUT', `/api/admin/rooms/${id}`, {
      token: ADMIN_KEY,
      body: { title: 'Launch room', policy: 'all', welcome: 'Hi!', starters: ['What is new?'] },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body.room).toMatchObject({
      id,
      title: 'Launch room',
      settings: { policy: 'all', welcome: 'Hi!', starters: ['What is new?'], kind: 'shared' },
    });
    await post(id, ada.token, 'second');
    await waitFor(async () => (await messages(id, ada.token)).length === 5);
    const authors = (await messages(id, ada.token)).slice(3).map((entry) => entry.author.id);
    expect(authors.sort()).toEqual(['ada', 'bob']);
    const info = await api.request('GET', `/api/rooms/${id}`, { token: ada.token });
    expect(info.body.room).toMatchObject({ title: 'Launch room', welcome: 'Hi!' });

    const listed = await api.request('GET', '/api/admin/rooms', { token: ADMIN_KEY });
    expect(listed.status).toBe(200);
    expect(listed.body.rooms).toContainEqual(expect.objectContaining({ id, title: 'Launch room' }));
  });

  it('refuses a session from a page the room does not allow', async () => {
    const room = await supportRoom({ allowedOrigins: ['https://shop.example'] });
    const refused = await api.request('POST', '/api/session', {
      headers: { origin: 'https://elsewhere.example', 'content-type': 'application/json' },
      body: { room, name: 'Vera' },
    });
    expectRefusal(refused, 403, 'origin_not_allowed');
    const allowed = await api.request('POST', '/api/session', {
      headers: { origin: 'https://shop.example', 'content-type': 'application/json' },
      body: { room, name: 'Vera' },
    });
    expect(allowed.status, allowed.text).toBe(200);
  });
});
