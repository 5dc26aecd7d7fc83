/**
 * A failed reply tells visitors a stable public code, never the provider's words
 * (docs/architecture.md §5, "Failed replies"): the real server on port 0, one persona whose
 * OpenAI-compatible server refuses connections and one whose server refuses its key. What went
 * wrong in detail stays on the run's row, for staff and operators.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../fakes/fake-openai.ts';
import { startKeyGate } from '../fakes/key-gate.ts';
import { startChorusServer } from '../helpers/chorus-server.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { waitFor } from '../helpers/wait-for.ts';

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** A local port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function personaFile(fields: Record<string, string>): string {
  const lines = Object.entries(fields).map(([name, value]) => `${name}: ${value}`);
  return `---\n${lines.join('\n')}\n---\nYou are ${fields.name}. Answer briefly.\n`;
}

describe('failed replies', () => {
  it('carry a public code and no host, port or provider text; the run keeps the detail', async () => {
    const port = await closedPort();
    const openai = await startFakeOpenAI();
    const gate = await startKeyGate('sk-right-key', openai.url);
    cleanups.push(
      () => openai.close(),
      () => gate.close(),
    );
    const directory = await mkdtemp(path.join(os.tmpdir(), 'chorus-reply-errors-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    await writeFile(
      path.join(directory, 'down.md'),
      personaFile({
        name: 'Down',
        handle: 'down',
        provider: 'openai',
        model: 'm',
        color: '"#1d4ed8"',
        description: 'Answers.',
        default: 'true',
        baseUrl: `http://127.0.0.1:${port}/v1`,
        apiKeyEnv: 'DOWN_API_KEY',
      }),
    );
    await writeFile(
      path.join(directory, 'locked.md'),
      personaFile({
        name: 'Locked',
        handle: 'locked',
        provider: 'openai',
        model: 'm',
        color: '"#1d4ed8"',
        description: 'Answers.',
        baseUrl: gate.url,
        apiKeyEnv: 'LOCKED_API_KEY',
      }),
    );
    const server = await startChorusServer({
      env: {
        CHORUS_PERSONAS_DIR: directory,
        DOWN_API_KEY: 'sk-down',
        LOCKED_API_KEY: 'sk-wrong-key',
      },
    });
    cleanups.push(() => server.close());
    await server.store.rooms.ensureRoom({
      id: 'errs',
      title: 'errs',
      settings: { policy: 'default' },
    });
    const ada = await RoomVisitor.join(server.url, 'errs', 'Ada');
    cleanups.push(() => ada.disconnect());

    const question = await ada.post('@down @locked hello');
    await waitFor(() => ada.ended().length === 2, {
      what: 'both failed replies',
      timeoutMs: 15_000,
    });

    const byAgent = new Map(ada.ended().map((message) => [message.author.id, message]));
    expect(byAgent.get('down')).toMatchObject({ status: 'error', error: 'agent_unavailable' });
    expect(byAgent.get('locked')).toMatchObject({ status: 'error', error: 'agent_refused' });
    // Nothing a visitor can read names the model's server or what its client said.
    // (Ids, times and positions left out: a uuid or a timestamp may hold the port's digits.)
    const random = new Set(['id', 'roomId', 'replyTo', 'createdAt', 'updatedAt', 'at', 'position']);
    const seen = JSON.stringify([ada.events, await ada.fetchMessages()], (key, value: unknown) =>
      random.has(key) ? undefined : value,
    );
    for (const secret of [String(port), '127.0.0.1', 'Connection error', 'fetch failed', '401'])
      expect(seen).not.toMatch(new RegExp(`(^|[^0-9])${secret.replace(/\./g, '\\.')}([^0-9]|$)`));

    const runs = await server.store.runs.listRuns(question.id);
    const down = runs.find((run) => run.agentId === 'down');
    const locked = runs.find((run) => run.agentId === 'locked');
    expect(down?.lastError).toMatch(/openai/i);
    expect(down?.lastError).not.toBe('agent_unavailable');
    expect(locked?.lastError).toMatch(/401|key|auth/i);
  }, 30_000);
});
