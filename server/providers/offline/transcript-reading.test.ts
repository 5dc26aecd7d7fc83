import { describe, expect, it } from 'vitest';
import {
  findExpression,
  findMentions,
  findSearchQuery,
  findTopic,
  handoffTargets,
  introducedName,
  readOwnIdentity,
} from './transcript-reading.ts';

describe('reading a transcript', () => {
  it('finds its own identity in the system prompt', () => {
    expect(readOwnIdentity('Intro.\nYou are Dr. Sage (@Sage), a patient explainer.')).toEqual({
      name: 'Dr. Sage',
      handle: 'sage',
    });
    expect(readOwnIdentity('Be nice.')).toEqual({});
  });

  it('finds mentions, but not e-mail addresses', () => {
    expect(findMentions('@Sage ask @critic (mail ada@example.com), then @sage again')).toEqual([
      'sage',
      'critic',
    ]);
  });

  it.each([
    ['My name is Lucky.', 'Lucky'],
    ["I'm Lucky", 'Lucky'],
    ['I am Zoë, hi', 'Zoë'],
    ['call me lucky', 'Lucky'],
    ["I'm tired", undefined],
    ["I'm Not sure", undefined],
    ['What is my name?', undefined],
  ])('reads "%s" as the name %s', (text, name) => {
    expect(introducedName(text)).toBe(name);
  });

  it.each([
    ['what is 12*7', '12*7'],
    ['Calculate (3+4)^2 please', '(3+4)^2'],
    ['How much is 15 % 4?', '15 % 4'],
    ['what is sqrt(16) + 2', 'sqrt(16) + 2'],
    ['2+2', '2+2'],
    ['What is on 2024-05-01?', undefined],
    ['We expect 10-15 people', undefined],
    ['What is version 2?', undefined],
  ])('finds the expression in "%s"', (text, expression) => {
    expect(findExpression(text)).toBe(expression);
  });

  it.each([
    ['Search for the launch date', 'launch date'],
    ['did somebody mention "Q3 budget" in the chat?', 'Q3 budget'],
    ['I find this interesting', undefined],
  ])('finds the search query in "%s"', (text, query) => {
    expect(findSearchQuery(text)).toBe(query);
  });

  it('hands off only when asked, only from the addressed agent, never to itself', () => {
    expect(handoffTargets('@sage ask @critic what they think', 'sage')).toEqual(['critic']);
    expect(handoffTargets('What does @critic think?', 'sage')).toEqual(['critic']);
    expect(handoffTargets('@sage what does @critic think?', 'critic')).toEqual([]);
    expect(handoffTargets('@sage @critic hello', 'sage')).toEqual([]);
    expect(handoffTargets('@sage, get @scout and @critic to review this', 'sage')).toEqual([
      'scout',
      'critic',
    ]);
  });

  it('takes the topic from the first sentence that is not a handoff request', () => {
    expect(findTopic('@sage what do you think about sharding? Ask @critic too.')).toBe('sharding');
    expect(findTopic('@sage ask @critic what they think')).toBeUndefined();
  });
});
