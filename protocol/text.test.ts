import { describe, expect, it } from 'vitest';
import { cutText, shortenText, wellFormed } from './text.ts';

const smile = '\u{1F600}';

describe('cutting text by character', () => {
  /** Half of a surrogate pair without the other half. */
  const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

  it('never cuts an emoji in half, at any length', () => {
    const text = 'Hi 👋🏽 team 🎉🎉 — on y va 🇫🇷!';
    for (let length = 0; length <= text.length + 1; length++) {
      const cut = cutText(text, length);
      expect(cut.length, `cut to ${length}`).toBeLessThanOrEqual(length);
      expect(cut.length, `cut to ${length}`).toBeGreaterThanOrEqual(
        Math.min(text.length, length) - 1,
      );
      expect(text.startsWith(cut)).toBe(true);
      expect(LONE_SURROGATE.test(cut), `cut to ${length}: ${JSON.stringify(cut)}`).toBe(false);
      const short = shortenText(text, Math.max(1, length));
      expect(short.length).toBeLessThanOrEqual(Math.max(1, length));
      expect(LONE_SURROGATE.test(short), `shortened to ${length}: ${JSON.stringify(short)}`).toBe(
        false,
      );
    }
    expect(cutText('ab😀', 3)).toBe('ab');
    expect(cutText('ab😀', 4)).toBe('ab😀');
    expect(shortenText('Hello 😀 world', 8)).toBe('Hello…');
    expect(shortenText('Hello', 5)).toBe('Hello');
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
