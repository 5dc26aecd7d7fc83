/**
 * The API tests parse every answer and SSE event with the contract (test/http/answers.ts over
 * protocol/schemas/; the harness's `request` and `openSse` apply it): these show that a field the
 * server adds to an answer without adding it to its schema fails the test that receives it.
 * (Each check is also applied here by hand, so the test states the rule on its own.)
 */
import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomService } from '../../server/http/room-service.ts';
import { checkAnswer, checkRoomEvent } from './answers.ts';
import { openSse, startApi, type ApiHarness } from './api-harness.ts';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

/** The orchestrator, with room settings that carry one more field than the contract names. */
function withUndeclaredSetting(rooms: RoomService): RoomService {
  return {
    postMessage: (input) => rooms.postMessage(input),
    stop: (request, actor) => rooms.stop(request, actor),
    regenerate: (room, messageId, actor) => rooms.regenerate(room, messageId, actor),
    liveMessage: (message) => rooms.liveMessage(message),
    showAgents: (room) => rooms.showAgents(room),
    agentsOf: (room) => rooms.agentsOf(room),
    settingsOf: (room) => ({ ...rooms.settingsOf(room), temperature: 0.7 }),
    allAgents: () => rooms.allAgents(),
    handoff: (room, to, actor) => rooms.handoff(room, to, actor),
    deleteMessage: (room, id, actor) => rooms.deleteMessage(room, id, actor),
    mute: (room, participant, input, actor) => rooms.mute(room, participant, input, actor),
    assertMayPost: (room, participantId) => rooms.assertMayPost(room, participantId),
    conversationOpened: (room) => rooms.conversationOpened(room),
  };
}

describe('answers checked against the contract', () => {
  it('the same answer passes, and fails once it has a field its schema does not name', async () => {
    const room = `contract-${randomUUID().slice(0, 8)}`;
    const { token } = await api.session(room);
    const path = `/api/rooms/${room}`;
    const answer = await api.request('GET', path, { token });
    expect(answer.status).toBe(200);
    expect(() => checkAnswer('GET', path, answer)).not.toThrow();
    expect(answer.body.room.settings).not.toHaveProperty('temperature');

    const drifted = await api.variant({ rooms: withUndeclaredSetting(api.orchestrator) });
    await expect(
      drifted
        .request('GET', path, { token })
        .then((received) => checkAnswer('GET', path, received)),
    ).rejects.toThrow(
      /GET \/api\/rooms\/\S+ answered 200 with what its schema does not describe[\s\S]*temperature[\s\S]*room\.settings/,
    );
  });

  it('an SSE event with a field its schema does not name fails the wait for it', async () => {
    const room = `contract-${randomUUID().slice(0, 8)}`;
    const { token, participant } = await api.session(room);
    const stream = await openSse(`${api.url}/api/rooms/${room}/events`, {
      authorization: `Bearer ${token}`,
    });
    try {
      await stream.comment(/connected/);
      await api.bus.broadcast(room, 'typing', {
        participantId: participant.id,
        name: participant.name,
        typing: true,
      });
      expect((await stream.next((event) => event.event === 'typing')).data).toEqual({
        participantId: participant.id,
        name: participant.name,
        typing: true,
      });
      await api.bus.broadcast(room, 'typing', {
        participantId: participant.id,
        name: participant.name,
        typing: false,
        mood: 'pensive',
      });
      const stopped = stream.next(
        (event) => event.event === 'typing' && (event.data as { typing: boolean }).typing === false,
      );
      await expect(stopped.then(checkRoomEvent)).rejects.toThrow(
        /SSE event "typing" is not the contract's[\s\S]*mood/,
      );
    } finally {
      stream.close();
    }
  });

  it("the OpenAPI document's own schemas (JSON Schema 2020-12, checked by Ajv) accept the server's real answers and refuse a drifted one", async () => {
    const documentId = 'https://chorus.test/openapi.json';
    const document = (await api.request('GET', '/api/openapi.json')).body as {
      components: { schemas: Record<string, object> };
    };
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    for (const [name, schema] of Object.entries(document.components.schemas))
      expect(ajv.validateSchema(schema), `${name}: ${ajv.errorsText()}`).toBe(true);
    ajv.addSchema({ $id: documentId, components: document.components });
    const accepts = (name: string, body: unknown) => {
      const validate = ajv.getSchema(`${documentId}#/components/schemas/${name}`);
      if (!validate) throw new Error(`no component ${name}`);
      return validate(body) ? 'valid' : ajv.errorsText(validate.errors);
    };

    const room = `contract-${randomUUID().slice(0, 8)}`;
    const session = await api.request('POST', '/api/session', { body: { room, name: 'Grace' } });
    expect(accepts('SessionResponse', session.body)).toBe('valid');
    const token = session.body.token as string;
    const posted = await api.request('POST', `/api/rooms/${room}/messages`, {
      token,
      body: { id: randomUUID(), content: 'Hello @ada' },
    });
    expect(posted.status).toBe(201);
    expect(accepts('MessageResponse', posted.body)).toBe('valid');
    expect(
      accepts('RoomResponse', (await api.request('GET', `/api/rooms/${room}`, { token })).body),
    ).toBe('valid');
    const page = (await api.request('GET', `/api/rooms/${room}/messages`, { token })).body;
    expect(page.messages[0].position).toEqual(expect.any(Number));
    expect(accepts('MessagePage', page)).toBe('valid');
    expect(
      accepts(
        'StopResponse',
        (await api.request('POST', `/api/rooms/${room}/stop`, { token, body: { all: true } })).body,
      ),
    ).toBe('valid');
    expect(
      accepts(
        'Error',
        (await api.request('GET', `/api/rooms/${room}/messages?limit=0`, { token })).body,
      ),
    ).toBe('valid');

    expect(
      accepts('MessagePage', { ...page, messages: [{ ...page.messages[0], pinned: true }] }),
    ).toMatch(/must NOT have additional properties/);
  });
});
