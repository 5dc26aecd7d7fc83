/**
 * The answerability rule (docs/architecture.md §12) on its own: the question's form, what is
 * searched for it, and the decision from the passages' coverages. The coverages themselves come
 * from the store (test/contract/store-knowledge.contract.ts); the rule over the demo knowledge is
 * in server/providers/offline/knowledge-answers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { answersQuestion, knowledgeQuery, POLAR_COVERAGE, questionForm } from './answerability.ts';

describe('questionForm', () => {
  it.each([
    ['Do you ship to Germany?', 'polar'],
    ['Is the battery covered by the warranty?', 'polar'],
    ['can i return a bike', 'polar'],
    ["Hi! Don't you open on Mondays?", 'polar'],
    ['And so, have you got a cargo bike?', 'polar'],
    ['How long is the warranty on the frame?', 'content'],
    ['Which bike suits a 10 km commute with hills?', 'content'],
    ['What is your phone number? Can I call you?', 'content'],
    ['Thanks. Is there a student discount?', 'polar'],
    ['I want to return my bike', 'content'],
    ['', 'content'],
  ])('%j is %s', (text, form) => {
    expect(questionForm(text)).toBe(form);
  });
});

describe('knowledgeQuery', () => {
  it("searches a polar question's asked sentence, the statement the rule judges", () => {
    expect(knowledgeQuery('Hi! Do you have cargo bikes? A table of prices would help.')).toBe(
      'Do you have cargo bikes?',
    );
  });

  it('searches a content question whole: its other sentences name its topic', () => {
    const text = 'What is your phone number? I want to call you.';
    expect(knowledgeQuery(text)).toBe(text);
  });
});

describe('answersQuestion', () => {
  it('refuses when nothing was found, whatever the question', () => {
    expect(answersQuestion('Do you sell bikes?', [])).toBe(false);
    expect(answersQuestion('How heavy is the folding one?', [])).toBe(false);
  });

  it("refuses a polar question whose rare words no passage holds, e.g. only `electric` of 'electric scooters'", () => {
    expect(answersQuestion('Do you sell electric scooters?', [0.36, 0.1])).toBe(false);
    expect(answersQuestion('Do you ship to Germany?', [POLAR_COVERAGE - 0.001])).toBe(false);
  });

  it('answers a polar question when one passage holds at least half of its information', () => {
    expect(answersQuestion('Can I return a bike?', [0.2, 1])).toBe(true);
    expect(answersQuestion('Do you deliver to Belgium?', [POLAR_COVERAGE])).toBe(true);
  });

  it('answers a content question from any passage: its value is often in other words', () => {
    expect(answersQuestion('How long is the guarantee on the frame?', [0.2])).toBe(true);
  });
});
