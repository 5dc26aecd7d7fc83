/**
 * Per-persona endpoints end to end (docs/architecture.md §9, "HTTP agents"): the real server on
 * port 0 with a personas folder in which two OpenAI-compatible personas each name their own
 * `baseUrl` and key variable, and a third is an HTTP agent built with the `ai` package. Each fake
 * OpenAI server sits behind a gate that admits only its own key, so a reply proves the persona
 * reached its server with its key.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.ts';
import { startFakeUIAgent, type FakeUIAgent } from '../fakes/fake-ui-agent.ts';
import { startKeyGate, type KeyGate } from '../fakes/key-gate.ts';
import { startChorusServer, type TestChorusServer } from '../helpers/chorus-server.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { waitFor } from '../helpers/wait-for.ts';

const GROQ_KEY = 'gsk-persona-endpoints-test';
const OTHER_KEY = 'sk-other-persona-endpoints-test';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function personaFile(fields: Record<string, string>): string {
  const lines = Object.entries(fields).map(([name, value]) => `${name}: ${value}`);
  return `---\n${lines.join('\n')}\n---\nYou are ${fields.name}. Answer briefly.\n`;
}

async function startFakes(): Promise<{
  groq: FakeOpenAI;
  other: FakeOpenAI;
  groqGate: KeyGate;
  otherGate: KeyGate;
  agent: FakeUIAgent;
}> {
  const [groq, other, agent] = await Promise.all([
    startFakeOpenAI(),
    startFakeOpenAI(),
    startFakeUIAgent(),
  ]);
  const [groqGate, otherGate] = await Promise.all([
    startKeyGate(GROQ_KEY, groq.url),
    startKeyGate(OTHER_KEY, other.url),
  ]);
  cleanups.push(() =>
    Promise.all([groq, other, agent, groqGate, otherGate].map((f) => f.close())).then(
      () => undefined,
    ),
  );
  return { groq, other, groqGate, otherGate, agent };
}

async function startWithPersonas(files: Record<string, string>, env: Record<string, string>) {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'chorus-personas-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files))
    await writeFile(path.join(directory, name), text);
  const server: TestChorusServer = await startChorusServer({
    env: { CHORUS_PERSONAS_DIR: directory, ...env },
  });
  cleanups.push(() => server.close());
  return server;
}

describe('personas with their own endpoints', () => {
  it('each OpenAI-compatible persona reaches its own server with its own key, and an HTTP agent answers too', async () => {
    const { groq, other, groqGate, otherGate, agent } = await startFakes();
    groq.enqueue({ text: 'Groq here.' });
    other.enqueue({ text: 'Other here.' });
    agent.enqueue({
      text: 'Agent here.',
      sources: [{ url: 'https://agents.example.com/handbook', title: 'Handbook' }],
    });
    const server = await startWithPersonas(
      {
        'fast.md': personaFile({
          name: 'Fast',
          handle: 'fast',
          provider: 'openai',
          model: 'llama-3.3-70b',
          color: '"#1d4ed8"',
          description: 'Answers through Groq.',
          default: 'true',
          baseUrl: groqGate.url,
          apiKeyEnv: 'GROQ_API_KEY',
        }),
        'other.md': personaFile({
          name: 'Other',
          handle: 'other',
          provider: 'openai',
          model: 'other-model',
          color: '"#0f766e"',
          description: 'Answers through another server.',
          baseUrl: otherGate.url,
          apiKeyEnv: 'OTHER_API_KEY',
        }),
        'helper.md': personaFile({
          name: 'Helper',
          handle: 'helper',
          provider: 'http',
          color: '"#b45309"',
          description: 'Your own agent.',
          url: agent.url,
        }),
      },
      // OPENAI_API_KEY is set too: a persona with its own baseUrl must not send it anywhere.
      { GROQ_API_KEY: GROQ_KEY, OTHER_API_KEY: OTHER_KEY, OPENAI_API_KEY: 'sk-global-unused' },
    );
    await server.store.rooms.ensureRoom({
      id: 'mixed',
      title: 'mixed',
      settings: { policy: 'default' },
    });
    const ada = await RoomVisitor.join(server.url, 'mixed', 'Ada');
    cleanups.push(() => ada.disconnect());

    await ada.post('@fast hello');
    await waitFor(() => ada.ended().length === 1, { what: "Fast's reply" });
    await ada.post('@other hello');
    await waitFor(() => ada.ended().length === 2, { what: "Other's reply" });
    await ada.post('@helper hello');
    await waitFor(() => ada.ended().length === 3, { what: "Helper's reply" });

    expect(
      ada.ended().map((message) => [message.author.id, message.status, message.content]),
    ).toEqual([
      ['fast', 'complete', 'Groq here.'],
      ['other', 'complete', 'Other here.'],
      ['helper', 'complete', 'Agent here.'],
    ]);
    // The agent's own citation is kept with its reply, as Chorus's are.
    expect(ada.ended()[2]!.parts).toContainEqual({
      type: 'source',
      title: 'Handbook',
      url: 'https://agents.example.com/handbook',
      path: '',
      quote: '',
    });
    expect(groqGate.refused + otherGate.refused).toBe(0);
    expect(groq.requests.map((request) => (request.body as { model: string }).model)).toEqual([
      'llama-3.3-70b',
    ]);
    expect(other.requests.map((request) => (request.body as { model: string }).model)).toEqual([
      'other-model',
    ]);
    expect(agent.requests[0]?.body).toMatchObject({
      room: 'mixed',
      runId: ada.ended()[2]!.id,
      agent: { handle: 'helper', name: 'Helper' },
      model: 'helper',
      messages: [
        { role: 'system', content: expect.stringContaining('You are Helper.') as unknown },
        { role: 'user', content: 'Ada: @fast hello' },
        { role: 'user', content: 'Fast: Groq here.' },
        { role: 'user', content: 'Ada: @other hello' },
        { role: 'user', content: 'Other: Other here.' },
        { role: 'user', content: 'Ada: @helper hello' },
      ],
    });
  });

  it('Stop in the room aborts the request to the HTTP agent, and the reply ends cancelled with its partial text', async () => {
    const { agent } = await startFakes();
    agent.enqueue({
      text: 'one two three four five six seven eight nine ten',
      chunkSize: 3,
      tokenDelayMs: 30,
    });
    const server = await startWithPersonas(
      {
        'helper.md': personaFile({
          name: 'Helper',
          handle: 'helper',
          provider: 'http',
          color: '"#b45309"',
          description: 'Your own agent.',
          url: agent.url,
          apiKeyEnv: 'AGENT_API_KEY',
        }),
      },
      { AGENT_API_KEY: 'agent-key-e2e' },
    );
    await server.store.rooms.ensureRoom({
      id: 'stop-agent',
      title: 'stop',
      settings: { policy: 'default' },
    });
    const ada = await RoomVisitor.join(server.url, 'stop-agent', 'Ada');
    cleanups.push(() => ada.disconnect());

    await ada.post('Count for me');
    await waitFor(() => ada.events.filter((entry) => entry.event === 'text-delta').length >= 2, {
      what: 'the first deltas',
    });
    const replyId = ada.events.find((entry) => entry.event === 'message-start')!.payload
      .id as string;
    expect((await ada.request('POST', '/stop', { messageId: replyId })).status).toBe(202);

    await agent.whenAborted();
    await waitFor(() => ada.ended().length === 1, { what: 'the stopped reply' });
    const [stopped] = ada.ended();
    expect(stopped).toMatchObject({ id: replyId, status: 'cancelled' });
    expect(stopped!.content.length).toBeGreaterThan(0);
    expect('one two three four five six seven eight nine ten'.startsWith(stopped!.content)).toBe(
      true,
    );
    expect(agent.requests[0]?.hasAuthorization).toBe(true);
  });

  it('refuses to start when a persona names a key variable that is not set, listing it with the other problems', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'chorus-personas-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    await writeFile(
      path.join(directory, 'fast.md'),
      personaFile({
        name: 'Fast',
        handle: 'fast',
        provider: 'openai',
        model: 'llama',
        color: '"#1d4ed8"',
        description: 'Answers through Groq.',
        baseUrl: 'https://api.groq.com/openai/v1',
        apiKeyEnv: 'GROQ_API_KEY',
      }),
    );
    await writeFile(
      path.join(directory, 'helper.md'),
      personaFile({
        name: 'Helper',
        handle: 'helper',
        provider: 'http',
        color: '"#b45309"',
        description: 'Your own agent.',
        url: 'ftp://agents.example.com/x?token=secret',
      }),
    );

    const started = startChorusServer({ env: { CHORUS_PERSONAS_DIR: directory } });

    const error = (await started.then(
      async (server) => {
        await server.close();
        throw new Error('the server started');
      },
      (failure: unknown) => failure,
    )) as Error;
    expect(error.message).toContain(
      'fast.md: "apiKeyEnv" names GROQ_API_KEY, which is not set on this server',
    );
    expect(error.message).toContain('helper.md: "url" must be an http(s) URL');
    expect(error.message).not.toContain('token=secret');
  });
});
