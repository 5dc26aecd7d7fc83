import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueRoomToken } from '../../server/auth/tokens.ts';
import { TEST_JWT_SECRET } from '../helpers/hub.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startApi, type ApiHarness } from './api-harness.ts';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

/** A fresh room with a participant in it: `room` is unique per test. */
async function joinRoom(name = 'Grace') {
  const room = `room-${randomUUID().slice(0, 8)}`;
  const session = await api.session(room, name);
  return { room, token: session.token, participantId: session.participant.id };
}

/** Posts and waits until the round's replies are complete. */
async function postAndSettle(room: string, token: string, content: string) {
  const response = await api.request('POST', `/api/rooms/${room}/messages`, {
    token,
    body: { id: randomUUID(), content },
  });
  expect(response.status).toBe(201);
  await waitFor(
    async () => {
      const runs = await api.store.runs.listRuns(response.body.message.id);
      return (
        runs.length > 0 &&
        runs.every(
          (run) => run.status === 'done' || run.status === 'cancelled' || run.status === 'failed',
        )
      );
    },
    { what: 'the round to finish' },
  );
  return response.body.message;
}

describe('GET /api/rooms/:room', () => {
  it('returns the room with its resolved settings and its agents', async () => {
    const { room, token } = await joinRoom();
    const response = await api.request('GET', `/api/rooms/${room}`, { token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      room: {
        id: room,
        parent: null,
        kind: 'shared',
        title: expect.any(String),
        status: null,
        welcome: '',
        starters: [],
        handoff: false,
        settings: {
          kind: 'shared',
          policy: 'default',
          agents: [],
          guestAccess: true,
          tokensPerDay: 200_000,
          maxAgentTurns: 3,
          welcome: '',
          starters: [],
          handoff: true,
          allowedOrigins: [],
        },
      },
      agents: [
        {
          id: 'ada',
          name: 'Ada',
          handle: 'ada',
          color: '#1d4ed8',
          model: 'ada-model',
          description: 'Ada answers briefly.',
        },
        {
          id: 'bob',
          name: 'Bob',
          handle: 'bob',
          color: '#b45309',
          model: 'bob-model',
          description: 'Bob answers briefly.',
        },
      ],
      lastSession: null, // no session summarized yet
    });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('POST /api/rooms/:room/messages', () => {
  it('posts (201), returns the same message for a retry (200), and refuses other content with the same id (409)', async () => {
    const { room, token, participantId } = await joinRoom('Grace');
    const id = randomUUID();
    const first = await api.request('POST', `/api/rooms/${room}/messages`, {
      token,
      body: { id, content: 'Hello @bob' },
    });
    expect(first.status).toBe(201);
    expect(first.body.message).toMatchObject({
      id,
      roomId: room,
      author: { kind: 'human', id: participantId, name: 'Grace' },
      content: 'Hello @bob',
      status: 'complete',
    });
    const retry = await api.request('POST', `/api/rooms/${room}/messages`, {
      token,
      body: { id: id.toUpperCase(), content: 'Hello @bob' },
    });
    expect(retry.status).toBe(200);
    expect(retry.body.message).toEqual(first.body.message);
    const conflict = await api.request('POST', `/api/rooms/${room}/messages`, {
      token,
      body: { id, content: 'Something else' },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({
      code: 'message_conflict',
      requestId: expect.any(String),
    });
    // One round only: Bob (mentioned) answered once.
    await waitFor(
      async () => (await api.store.runs.listRuns(id)).every((run) => run.status === 'done'),
      { what: 'the reply' },
    );
    expect((await api.store.runs.listRuns(id)).map((run) => run.agentId)).toEqual(['bob']);
  });

  it.each([
    ['a missing id', { content: 'hi' }, /"id" is required/],
    ['an id that is not a UUID', { id: 'message-1', content: 'hi' }, /"id" must be a UUID/],
    ['a missing content', { id: randomUUID() }, /"content" is required/],
    [
      'an empty content',
      { id: randomUUID(), content: '' },
      /"content" must not be empty or only whitespace/,
    ],
    [
      'a blank content',
      { id: randomUUID(), content: ' \n\t ' },
      /"content" must not be empty or only whitespace/,
    ],
    [
      'a content of 8001 characters',
      { id: randomUUID(), content: 'x'.repeat(8001) },
      /"content" must be at most 8000 characters/,
    ],
    [
      'a content with a NUL character',
      { id: randomUUID(), content: 'a\u0000b' },
      /"content" must not contain NUL/,
    ],
    [
      'a content with a lone surrogate',
      { id: randomUUID(), content: 'a\ud800b' },
      /"content" must be valid Unicode/,
    ],
    [
      'a content that is not text',
      { id: randomUUID(), content: { text: 'hi' } },
      /"content" must be text/,
    ],
    [
      'an unknown field',
      { id: randomUUID(), content: 'hi', author: 'admin' },
      /unknown field "author"/,
    ],
  ])('refuses %s with 400 invalid_request and changes nothing', async (_case, body, message) => {
    const { room, token } = await joinRoom();
    const before = await api.snapshot();
    const response = await api.request('POST', `/api/rooms/${room}/messages`, { token, body });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(message),
      requestId: response.headers['x-request-id'],
    });
    expect(await api.snapshot()).toEqual(before);
  });

  it('refuses malformed JSON (400 invalid_json), another content type (415), a body over the limit (413), and changes nothing', async () => {
    const { room, token } = await joinRoom();
    const before = await api.snapshot();
    const path = `/api/rooms/${room}/messages`;
    const malformed = await api.request('POST', path, {
      token,
      rawBody: '{"id": "x", "content": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({
      code: 'invalid_json',
      message: expect.stringMatching(/^The request body is not valid JSON/),
    });
    const scalar = await api.request('POST', path, {
      token,
      rawBody: '"hello"',
      headers: { 'content-type': 'application/json' },
    });
    expect(scalar.status).toBe(400);
    expect(scalar.body.error).toMatchObject({
      code: 'invalid_request',
      message: 'The request body must be a JSON object.',
    });
    const form = await api.request('POST', path, {
      token,
      rawBody: 'id=1&content=hi',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.body.error).toMatchObject({
      code: 'unsupported_media_type',
      message: expect.stringMatching(/application\/json.*x-www-form-urlencoded/),
    });
    const untyped = await api.request('POST', path, { token, rawBody: '{"id":"x"}' });
    expect(untyped.status).toBe(415);
    const huge = await api.request('POST', path, {
      token,
      body: { id: randomUUID(), content: 'x'.repeat(200_000) },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringMatching(/larger than \d+ KB/),
    });
    const empty = await api.request('POST', path, { token });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/The request body is required/);
    expect(await api.snapshot()).toEqual(before);
  });

  it('refuses a service key, which has no participant to be the author', async () => {
    const { room } = await joinRoom();
    const response = await api.request('POST', `/api/rooms/${room}/messages`, {
      token: api.hub.serviceKey,
      body: { id: randomUUID(), content: 'hi' },
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('participant_required');
  });
});

describe('GET /api/rooms/:room/messages', () => {
  it('pages the transcript oldest first with a cursor', async () => {
    const { room, token } = await joinRoom();
    const posted: string[] = [];
    for (const content of ['one', 'two', 'three'])
      posted.push((await postAndSettle(room, token, content)).id);
    const all = await api.request('GET', `/api/rooms/${room}/messages`, { token });
    expect(all.status).toBe(200);
    // Each human message got Ada's (the default agent's) complete reply.
    expect(all.body.messages.map((message: { content: string }) => message.content)).toEqual([
      'one',
      'Hello from Ada.',
      'two',
      'Hello from Ada.',
      'three',
      'Hello from Ada.',
    ]);
    expect(all.body.nextCursor).toBeNull();

    const newest = await api.request('GET', `/api/rooms/${room}/messages?limit=4`, { token });
    expect(newest.body.messages.map((message: { content: string }) => message.content)).toEqual([
      'two',
      'Hello from Ada.',
      'three',
      'Hello from Ada.',
    ]);
    expect(newest.body.nextCursor).toEqual(expect.stringMatching(/^\d+$/));
    const older = await api.request(
      'GET',
      `/api/rooms/${room}/messages?limit=4&before=${newest.body.nextCursor}`,
      { token },
    );
    expect(older.body.messages.map((message: { id: string }) => message.id)).toEqual([
      posted[0],
      expect.any(String),
    ]);
    expect(older.body.nextCursor).toBeNull();
  });

  it('includes an in-flight reply with its live content, then the final one', async () => {
    const { room, token } = await joinRoom();
    api.hold();
    try {
      const response = await api.request('POST', `/api/rooms/${room}/messages`, {
        token,
        body: { id: randomUUID(), content: 'Tell me something' },
      });
      expect(response.status).toBe(201);
      const live = await waitFor(
        async () => {
          const page = await api.request('GET', `/api/rooms/${room}/messages`, { token });
          const reply = page.body.messages[1];
          return reply?.content === 'Hello ' ? reply : undefined;
        },
        { what: 'the live reply' },
      );
      expect(live).toMatchObject({
        status: 'streaming',
        author: { kind: 'agent', id: 'ada' },
        seq: 1,
      });
      // The database has not been checkpointed yet: the content comes from the live overlay.
      expect((await api.store.transcript.getMessage(live.id))?.content).toBe('');
    } finally {
      api.release();
    }
    await waitFor(
      async () =>
        (await api.request('GET', `/api/rooms/${room}/messages`, { token })).body.messages[1]
          ?.status === 'complete',
      {
        what: 'the final reply',
      },
    );
  });

  it.each([
    ['limit=0', /Query parameter "limit" must be at least 1/],
    ['limit=201', /Query parameter "limit" must be at most 200/],
    ['limit=abc', /Query parameter "limit" must be a number/],
    ['limit=1.5', /Query parameter "limit" must be a whole number/],
    ['before=abc', /Query parameter "before" must be a cursor/],
    ['before=1&before=2', /Query parameter "before" must be text/],
  ])('refuses ?%s with 400', async (query, message) => {
    const { room, token } = await joinRoom();
    const response = await api.request('GET', `/api/rooms/${room}/messages?${query}`, { token });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(message),
    });
  });
});

describe('POST /api/rooms/:room/stop', () => {
  it('stops a reply by message id: 202, and the reply ends cancelled with its partial text', async () => {
    const { room, token } = await joinRoom();
    api.hold();
    try {
      await api.request('POST', `/api/rooms/${room}/messages`, {
        token,
        body: { id: randomUUID(), content: 'Go on' },
      });
      const reply = await waitFor(
        async () =>
          (await api.request('GET', `/api/rooms/${room}/messages`, { token })).body.messages[1],
        { what: 'the reply' },
      );
      const response = await api.request('POST', `/api/rooms/${room}/stop`, {
        token,
        body: { messageId: reply.id },
      });
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ status: 'stopping' });
      await waitFor(
        async () => (await api.store.transcript.getMessage(reply.id))?.status === 'cancelled',
        { what: 'the reply to be cancelled' },
      );
      expect((await api.store.transcript.getMessage(reply.id))?.content).toBe('Hello ');
    } finally {
      api.release();
    }
  });

  it('stops by agent and all', async () => {
    const { room, token } = await joinRoom();
    api.hold();
    try {
      await api.request('POST', `/api/rooms/${room}/messages`, {
        token,
        body: { id: randomUUID(), content: '@ada @bob both of you' },
      });
      const replies = await waitFor(
        async () => {
          const messages = (await api.request('GET', `/api/rooms/${room}/messages`, { token })).body
            .messages;
          return messages.length === 3 ? messages.slice(1) : undefined;
        },
        { what: 'two replies' },
      );
      const byAgent = (handle: string) =>
        replies.find((message: { author: { id: string } }) => message.author.id === handle).id;
      expect(
        (await api.request('POST', `/api/rooms/${room}/stop`, { token, body: { agentId: 'bob' } }))
          .status,
      ).toBe(202);
      await waitFor(
        async () => (await api.store.transcript.getMessage(byAgent('bob')))?.status === 'cancelled',
        { what: "Bob's reply to stop" },
      );
      expect((await api.store.transcript.getMessage(byAgent('ada')))?.status).toBe('streaming');
      expect(
        (await api.request('POST', `/api/rooms/${room}/stop`, { token, body: { all: true } }))
          .status,
      ).toBe(202);
      await waitFor(
        async () => (await api.store.transcript.getMessage(byAgent('ada')))?.status === 'cancelled',
        { what: "Ada's reply to stop" },
      );
    } finally {
      api.release();
    }
  });

  it.each([
    ['an empty body', {}, 400, /must have exactly one of "messageId", "agentId" or "all": true/],
    ['two targets', { agentId: 'ada', all: true }, 400, /exactly one/],
    ['all: false', { all: false }, 400, /"all" must be true/],
    ['a message id that is not a UUID', { messageId: 'nope' }, 400, /"messageId" must be a UUID/],
    ['an unknown agent', { agentId: 'zed' }, 404, /No agent "@zed"/],
  ])('refuses %s and changes nothing', async (_case, body, status, message) => {
    const { room, token } = await joinRoom();
    const before = await api.snapshot();
    const response = await api.request('POST', `/api/rooms/${room}/stop`, { token, body });
    expect(response.status).toBe(status);
    expect(response.body.error.message).toMatch(message);
    expect(await api.snapshot()).toEqual(before);
  });
});

describe('POST /api/rooms/:room/messages/:id/regenerate', () => {
  it('queues the same agent again: 202 with the new reply id, which completes', async () => {
    const { room, token } = await joinRoom();
    await postAndSettle(room, token, 'First question');
    const { messages } = (await api.request('GET', `/api/rooms/${room}/messages`, { token })).body;
    const reply = messages[1];
    const response = await api.request(
      'POST',
      `/api/rooms/${room}/messages/${reply.id}/regenerate`,
      { token },
    );
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ messageId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(response.body.messageId).not.toBe(reply.id);
    await waitFor(
      async () =>
        (await api.store.transcript.getMessage(response.body.messageId))?.status === 'complete',
      { what: 'the regenerated reply' },
    );
    expect(await api.store.transcript.getMessage(response.body.messageId)).toMatchObject({
      reason: 'regenerate',
      author: { id: 'ada' },
      content: 'Hello from Ada.',
      versionOf: reply.id,
    });
    // Regenerating the new version makes a third version of the same group; history carries it.
    const again = await api.request(
      'POST',
      `/api/rooms/${room}/messages/${response.body.messageId}/regenerate`,
      { token },
    );
    expect(again.status).toBe(202);
    await waitFor(
      async () =>
        (await api.store.transcript.getMessage(again.body.messageId))?.status === 'complete',
      { what: 'the third version' },
    );
    const history = (await api.request('GET', `/api/rooms/${room}/messages`, { token })).body;
    expect(
      history.messages.map((message: { id: string; versionOf?: string }) => message.versionOf),
    ).toEqual([undefined, undefined, reply.id, reply.id]);
  });

  it('refuses a human message (404), a message id that is not a UUID (400), and changes nothing', async () => {
    const { room, token } = await joinRoom();
    const human = await postAndSettle(room, token, 'Question');
    const before = await api.snapshot();
    const notReply = await api.request(
      'POST',
      `/api/rooms/${room}/messages/${human.id}/regenerate`,
      { token },
    );
    expect(notReply.status).toBe(404);
    expect(notReply.body.error.code).toBe('not_found');
    const malformed = await api.request(
      'POST',
      `/api/rooms/${room}/messages/not-a-uuid/regenerate`,
      { token },
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/URL parameter "id" must be a UUID/);
    const unknown = await api.request(
      'POST',
      `/api/rooms/${room}/messages/${randomUUID()}/regenerate`,
      { token },
    );
    expect(unknown.status).toBe(404);
    expect(await api.snapshot()).toEqual(before);
  });

  it('refuses an agent that no longer answers in the room (409), and changes nothing', async () => {
    const { room, token } = await joinRoom();
    await postAndSettle(room, token, 'Question');
    const { messages } = (await api.request('GET', `/api/rooms/${room}/messages`, { token })).body;
    const reply = messages.find(
      (message: { author: { kind: string } }) => message.author.kind === 'agent',
    );
    await api.store.rooms.updateRoomSettings(room, { agents: ['bob'] });
    const before = await api.snapshot();
    const response = await api.request(
      'POST',
      `/api/rooms/${room}/messages/${reply.id}/regenerate`,
      { token },
    );
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({
      code: 'agent_not_in_room',
      message: 'Ada no longer answers in this room',
    });
    expect(await api.snapshot()).toEqual(before);
  });
});

describe('authorization of /api/rooms/*', () => {
  it('requires a bearer token (401 with WWW-Authenticate)', async () => {
    const { room } = await joinRoom();
    const response = await api.request('GET', `/api/rooms/${room}`);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.body.error).toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/Authorization: Bearer <room token>.*POST \/api\/session/),
    });
  });

  it.each([
    ['a malformed header', { authorization: 'Token abc' }, /must be "Bearer <token>"/],
    [
      'a token that is not a JWT',
      { authorization: 'Bearer not-a-jwt' },
      /not a valid Chorus token/,
    ],
    ['the anon key', 'anon', /"anon" key is not a room token/],
    ['a token signed with another secret', 'forged', /not a valid Chorus token/],
    ['an expired token', 'expired', /has expired/],
  ])('refuses %s with 401', async (_case, auth, message) => {
    const { room, participantId } = await joinRoom();
    const headers =
      typeof auth === 'object'
        ? auth
        : {
            authorization: `Bearer ${
              auth === 'anon'
                ? api.hub.anonKey
                : auth === 'forged'
                  ? api.hub.token(
                      { role: 'authenticated', room, sub: participantId, name: 'X' },
                      'some-other-secret-that-is-long-enough-123',
                    )
                  : issueRoomToken({
                      secret: TEST_JWT_SECRET,
                      roomId: room,
                      participantId,
                      name: 'X',
                      role: 'guest',
                      ttlSeconds: 60,
                      nowMs: Date.now() - 120_000,
                    }).token
            }`,
          };
    const response = await api.request('GET', `/api/rooms/${room}/messages`, { headers });
    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(message),
    });
  });

  it("refuses another room's token with 403 forbidden_room, and changes nothing", async () => {
    const mine = await joinRoom();
    const theirs = await joinRoom();
    const before = await api.snapshot();
    const response = await api.request('POST', `/api/rooms/${theirs.room}/messages`, {
      token: mine.token,
      body: { id: randomUUID(), content: 'hi' },
    });
    expect(response.status).toBe(403);
    expect(response.body.error).toMatchObject({
      code: 'forbidden_room',
      message: `This token is for room "${mine.room}", not "${theirs.room}"; get a room token from POST /api/session for "${theirs.room}"`,
    });
    expect(await api.snapshot()).toEqual(before);
  });

  it('lets a service-role key read any room; unknown rooms are 404 and invalid ids 400', async () => {
    const { room } = await joinRoom();
    const service = api.hub.serviceKey;
    expect((await api.request('GET', `/api/rooms/${room}`, { token: service })).status).toBe(200);
    expect(
      (await api.request('GET', `/api/rooms/${room}/messages`, { token: service })).status,
    ).toBe(200);
    const unknown = await api.request('GET', '/api/rooms/never-created', { token: service });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/Room "never-created" does not exist/),
    });
    const invalid = await api.request('GET', `/api/rooms/${'x'.repeat(65)}`, { token: service });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/URL parameter "room" must be 1–64 characters/);
  });
});

describe('unknown routes', () => {
  it('answer a JSON 404 with the request id', async () => {
    const response = await api.request('GET', '/api/nope?x=1', {
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      error: { code: 'not_found', message: 'No route for GET /api/nope', requestId: 'trace-123' },
    });
    expect((await api.request('DELETE', '/api/session')).status).toBe(404);
  });
});
