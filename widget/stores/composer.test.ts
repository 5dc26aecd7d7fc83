import { cleanUp, mount, setup } from '../test-support/chat-state-harness.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AGENTS } from '../test-support/agents.ts';
import { findMention, matchAgents } from './composer.ts';

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
    expect(matchAgents(AGENTS, '').map((agent) => agent.handle)).toEqual(['sage', 'scout', 'muse']);
    expect(matchAgents(AGENTS, 'zz')).toEqual([]);
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
