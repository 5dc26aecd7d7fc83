/**
 * Which passages a model-backed reply cites (docs/architecture.md §12): those its text names, one
 * per document, in rank order, at most three; a URL several documents share names none of them.
 */
import { describe, expect, it } from 'vitest';
import { citedSources, MAX_SOURCES, readPassages, type FoundPassage } from './citations.ts';

const passage = (title: string, source: string, url: string | null = null): FoundPassage => ({
  title,
  source,
  url,
  text: `${title} says so.`,
});

const found = [
  passage('Commuter 8 E › Hills and distance', 'bikes/commuter-8-e.md', '/bikes.html#e'),
  passage('Commuter 8 › Hills and distance', 'bikes/commuter-8.md', '/bikes.html#c'),
  passage('Commuter 8 E', 'bikes/commuter-8-e.md', '/bikes.html#e'),
  passage('Fold 3', 'bikes/fold-3.md', '/bikes.html'),
  passage('Delivery', 'delivery.md', '/company.html#info'),
  passage('Service › Service prices', 'service.md', '/company.html#info'),
];

const titles = (text: string) => citedSources(found, text).map((source) => source.title);

describe('citedSources', () => {
  it('cites the documents the text names by a heading, in rank order, one passage each', () => {
    expect(titles('For hills take the commuter 8 e; the Fold 3 is for flat rides.')).toEqual([
      'Commuter 8 E › Hills and distance',
      'Fold 3',
    ]);
  });

  it('matches whole words only: "Fold 30" is not the Fold 3, "Commuter 8 E" is not the Commuter 8 alone', () => {
    expect(titles('Our Fold 30 is not sold here.')).toEqual([]);
    expect(titles('Commuter 8 E-bikes')).toEqual(['Commuter 8 E › Hills and distance']);
  });

  it('cites by file path or by a URL only one document has, never by a page several share', () => {
    expect(titles('See bikes/fold-3.md and /bikes.html#c.')).toEqual([
      'Commuter 8 › Hills and distance',
      'Fold 3',
    ]);
    expect(titles('Details: /company.html#info')).toEqual([]);
  });

  it('cites nothing the text does not name, and at most three', () => {
    expect(titles('Yes, within 30 days.')).toEqual([]);
    expect(
      titles('Commuter 8 E, Commuter 8, Fold 3, Delivery and Service prices all apply.'),
    ).toHaveLength(MAX_SOURCES);
  });

  it('keeps the passage as a source part: title, URL, path and the start of its text as the quote', () => {
    const [source] = citedSources(
      [{ ...found[3]!, text: `The Fold 3 folds in ten seconds. ${'More. '.repeat(80)}` }],
      'The Fold 3.',
    );
    expect(source).toMatchObject({
      type: 'source',
      title: 'Fold 3',
      url: '/bikes.html',
      path: 'bikes/fold-3.md',
      quote: expect.stringMatching(/^The Fold 3 folds in ten seconds\. .*…$/),
    });
    expect(source!.quote.length).toBeLessThanOrEqual(240);
  });

  it('reads the passages of a search_knowledge tool turn, and nothing from another result', () => {
    const content = JSON.stringify({ result: { query: 'q', passages: [found[3]] } });
    expect(readPassages(content)).toEqual([found[3]]);
    expect(readPassages(JSON.stringify({ error: 'timed out' }))).toBeUndefined();
    expect(readPassages('not json')).toBeUndefined();
  });
});
