import { describe, expect, it } from 'vitest';
import { cutText, shortenText, wellFormed } from './text.ts';

const smile = '\u{1F600}';

describe('cutting text by character', () => {
  it('never leaves half of an emoji at the end of a cut', () => {
    const text = smile.repeat(50);
    for (let length = 0; length <= text.length; length += 1) {
      const cut = cutText(text, length);
      expect(wellFormed(cut)).toBe(cut);
      expect(cut.length).toBeLessThanOrEqual(length);
      expect(text.startsWith(cut)).toBe(true);
    }
  });

  it('keeps text that fits, whole', () => {
    expect(cutText(`ab${smile}`, 4)).toBe(`ab${smile}`);
    expect(cutText(`ab${smile}`, 3)).toBe('ab');
  });

  it('marks a shortened text with an ellipsis within the limit', () => {
    expect(shortenText('Hello there', 6)).toBe('Hello…');
    expect(shortenText(smile.repeat(4), 4)).toBe(`${smile}…`);
    expect(shortenText('short', 10)).toBe('short');
  });

  it('replaces lone surrogates and keeps pairs', () => {
    expect(wellFormed(`a\uD83D b\uDE00 ${smile}`)).toBe(`a\uFFFD b\uFFFD ${smile}`);
  });
});
