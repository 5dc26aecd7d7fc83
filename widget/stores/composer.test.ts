import { cleanUp, mount, setup } from '../test-support/chat-state-harness.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AGENTS } from '../test-support/agents.ts';
import { findMention, matchAgents, MAX_MESSAGE_CHARS, MENTION_ALL } from './composer.ts';

afterEach(cleanUp);

describe('composer store', () => {
  it('finds the mention at the caret', () => {
    expect(findMention('hi @sa', 6)).toEqual({ query: 'sa', start: 3, end: 6 });
    expect(findMention('@', 1)).toEqual({ query: '', start: 0, end: 1 });
    expect(findMention('mail a@b', 8)).toBeNull();
    expect(findMention('hi @sage there', 6)).toEqual({ query: 'sa', start: 3, end: 8 });
    expect(findMention('@sage there', 11)).toBeNull();
  });

  it('matches agents by handle, then by name', () => {
    expect(matchAgents(AGENTS, 's').map((agent) => agent.handle)).toEqual(['sage', 'scout']);
    expect(matchAgents(AGENTS, '').map((agent) => agent.handle)).toEqual([
      'sage',
      'scout',
      'muse',
      'all',
    ]);
    expect(matchAgents(AGENTS, 'zz')).toEqual([]);
  });

  it('offers @all after the agents when the room has several, never more than eight options', () => {
    expect(matchAgents(AGENTS, 'al')).toEqual([MENTION_ALL]);
    expect(matchAgents(AGENTS.slice(0, 1), '')).toEqual(AGENTS.slice(0, 1));
    const many = Array.from({ length: 10 }, (_, index) => ({
      ...AGENTS[0]!,
      id: `a${index}`,
      handle: `a${index}`,
    }));
    const options = matchAgents(many, 'a');
    expect(options).toHaveLength(8);
    expect(options.at(-1)).toBe(MENTION_ALL);
  });

  it('keeps a draft over the length limit unsent, and sends it once shortened', async () => {
    const { stub, state } = setup();
    const { composer } = state;
    const long = 'x'.repeat(MAX_MESSAGE_CHARS + 1);
    composer.input(long, long.length);
    expect(composer.submit()).toBe(false);
    expect(composer.$draft.get()).toBe(long);
    composer.input(long.slice(1), long.length - 1);
    expect(composer.submit()).toBe(true);
    await vi.waitFor(() =>
      expect(stub.posts.map((post) => post.content.length)).toEqual([MAX_MESSAGE_CHARS]),
    );
  });

  it('opens the menu on @, moves with wrap-around, and inserts the picked handle', () => {
    const { state } = setup();
    const { composer } = state;
    mount(composer.$mention);
    composer.input('Hello @s', 8);
    expect(composer.$mention.get()?.options.map((agent) => agent.handle)).toEqual([
      'sage',
      'scout',
    ]);
    composer.moveMention(1);
    expect(composer.$mention.get()?.active).toBe(1);
    composer.moveMention(1);
    expect(composer.$mention.get()?.active).toBe(0);
    composer.moveMention(-1);
    expect(composer.pickMention()).toEqual({ text: 'Hello @scout ', caret: 13 });
    expect(composer.$draft.get()).toBe('Hello @scout ');
    expect(composer.$mention.get()).toBeNull();
  });

  it('keeps the menu closed after Escape until the caret leaves that mention', () => {
    const { state } = setup();
    const { composer } = state;
    composer.input('@s', 2);
    composer.closeMention();
    composer.input('@sa', 3);
    expect(composer.$mention.get()).toBeNull();
    composer.input('@sa @', 5);
    expect(composer.$mention.get()?.start).toBe(4);
  });

  it('sends on submit, clears the draft and stops typing; a blank draft sends nothing', async () => {
    const { stub, state } = setup();
    const { composer } = state;
    expect(composer.submit()).toBe(false);
    composer.input('Hi @sage', 8);
    expect(composer.submit()).toBe(true);
    expect(composer.$draft.get()).toBe('');
    await vi.waitFor(() => expect(stub.posts.map((post) => post.content)).toEqual(['Hi @sage']));
    expect(stub.typingSent.at(-1)).toBe(false);
  });
});
