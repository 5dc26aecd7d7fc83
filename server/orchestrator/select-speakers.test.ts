import { describe, expect, it } from 'vitest';
import { testPersona } from '../../test/helpers/personas.ts';
import { extractMentions } from './mentions.ts';
import { selectHandoffs, selectSpeakers } from './select-speakers.ts';

const sage = testPersona('sage', { isDefault: true, keywords: ['explain', 'why'] });
const scout = testPersona('scout', { keywords: ['calculate', 'numbers'] });
const critic = testPersona('critic', { keywords: ['risks'] });
const agents = [sage, scout, critic];

const who = (speakers: ReturnType<typeof selectSpeakers>) =>
  speakers.map((speaker) => [speaker.persona.handle, speaker.reason]);

describe('extractMentions', () => {
  it('finds handles in order of first mention, lower case, without repeats', () => {
    expect(extractMentions('@Scout and @critic, then @scout again')).toEqual(['scout', 'critic']);
  });

  it('ignores e-mail addresses and handles too short or too long', () => {
    expect(extractMentions(`mail ada@example.com, @a, @${'x'.repeat(33)}`)).toEqual([]);
    expect(extractMentions('(@sage) @sage_2!')).toEqual(['sage', 'sage_2']);
  });
});

describe('selectSpeakers', () => {
  it('answers with the @mentioned agents only, in order, whatever the policy', () => {
    for (const policy of ['all', 'relevant', 'default'] as const) {
      expect(
        who(selectSpeakers('@critic then @scout: calculate the risks', agents, { policy })),
      ).toEqual([
        ['critic', 'mention'],
        ['scout', 'mention'],
      ]);
    }
  });

  it('lets @all, @everyone and @here address every agent', () => {
    for (const handle of ['all', 'everyone', 'here']) {
      expect(who(selectSpeakers(`@${handle} hello`, agents, { policy: 'default' }))).toEqual([
        ['sage', 'mention'],
        ['scout', 'mention'],
        ['critic', 'mention'],
      ]);
    }
  });

  it('falls back to the policy when a mention names no agent of the room', () => {
    expect(who(selectSpeakers('@nobody hello', agents, { policy: 'default' }))).toEqual([
      ['sage', 'default'],
    ]);
  });

  it('policy all: every agent answers', () => {
    expect(who(selectSpeakers('hello', agents, { policy: 'all' }))).toEqual([
      ['sage', 'all'],
      ['scout', 'all'],
      ['critic', 'all'],
    ]);
  });

  it('policy relevant: the agents whose keywords appear as words, else the default agent', () => {
    expect(
      who(selectSpeakers('Can you CALCULATE the risks?', agents, { policy: 'relevant' })),
    ).toEqual([
      ['scout', 'selected'],
      ['critic', 'selected'],
    ]);
    expect(who(selectSpeakers('recalculated nothing', agents, { policy: 'relevant' }))).toEqual([
      ['sage', 'default'],
    ]);
  });

  it('policy default: the default agent, the one passed in first, else the first', () => {
    expect(who(selectSpeakers('hello', agents, { policy: 'default' }))).toEqual([
      ['sage', 'default'],
    ]);
    expect(who(selectSpeakers('hello', agents, { policy: 'default' }, critic))).toEqual([
      ['critic', 'default'],
    ]);
    // A default agent that is not in this room does not answer in it.
    expect(who(selectSpeakers('hello', [scout, critic], { policy: 'default' }, sage))).toEqual([
      ['scout', 'default'],
    ]);
  });

  it('selects nobody in a room without agents', () => {
    expect(selectSpeakers('@all hello', [], { policy: 'all' })).toEqual([]);
  });
});

describe('selectHandoffs', () => {
  it('hands off to the agents a reply mentions, except itself and those that already spoke', () => {
    const next = selectHandoffs(
      '@sage thanks; @critic what do you think? @scout numbers?',
      sage,
      agents,
      new Set(['sage', 'scout']),
    );
    expect(next.map((persona) => persona.handle)).toEqual(['critic']);
  });

  it('does not hand off to @all or to agents outside the room', () => {
    expect(
      selectHandoffs('@all @ghost over to you', sage, [sage, scout], new Set(['sage'])),
    ).toEqual([]);
  });
});
