import { describe, expect, it } from 'vitest';
import { HOSTILE_CORPUS } from '../test-support/hostile-corpus.ts';
import type { BlockNode } from './markdown-ast.ts';
import { outlineBlocks } from './markdown-outline.ts';
import { healStreamingEnd, parseMarkdown } from './parse-markdown.ts';

const streamed = (source: string): string =>
  outlineBlocks(parseMarkdown(source, { streaming: true }).blocks);
const final = (source: string): string => outlineBlocks(parseMarkdown(source).blocks);

const REPLY = [
  '## Plan',
  '',
  'Here is **the fix** for `parse()`:',
  '',
  '```ts',
  'export function parse(input: string): Node[] {',
  '  // *not* emphasis, `not` code',
  '',
  '  return tokens.map((token) => token.node);',
  '}',
  '```',
  '',
  '| step | done |',
  '|:-----|:----:|',
  '| test | yes  |',
  '',
  '1. Run it',
  '   - twice',
  '2. Ship it — see [the docs](https://docs.example/a_b).',
].join('\n');

function codeBlocks(blocks: readonly BlockNode[]): Extract<BlockNode, { type: 'code-block' }>[] {
  return blocks.filter((block) => block.type === 'code-block');
}

describe('streaming', () => {
  it('renders an unclosed fence as a code block whose code only grows, ending as the closed one', () => {
    const fenceStart = REPLY.indexOf('```ts\n') + '```ts\n'.length;
    const fenceEnd = REPLY.indexOf('\n```\n') + '\n```'.length;
    const closed = codeBlocks(parseMarkdown(REPLY).blocks);
    expect(closed).toHaveLength(1);
    const finalCode = closed[0]?.text ?? '';

    let previous = '';
    for (let length = fenceStart; length <= fenceEnd; length++) {
      const blocks = parseMarkdown(REPLY.slice(0, length), { streaming: true }).blocks;
      const [code, ...others] = codeBlocks(blocks);
      expect(others, `prefix ${length}`).toEqual([]);
      expect(code?.language).toBe('ts');
      // Nothing after the opening fence ever escapes into a paragraph.
      expect(blocks[blocks.length - 1]).toBe(code);
      expect(
        finalCode.startsWith(code?.text ?? '-'),
        `prefix ${length}: ${JSON.stringify(code?.text)}`,
      ).toBe(true);
      expect((code?.text ?? '').length).toBeGreaterThanOrEqual(previous.length);
      previous = code?.text ?? '';
    }
    expect(previous).toBe(finalCode);
  });

  it('converges on the final parse, and never throws on any prefix', () => {
    for (let length = 0; length <= REPLY.length; length++) {
      expect(() => parseMarkdown(REPLY.slice(0, length), { streaming: true })).not.toThrow();
    }
    expect(streamed(REPLY)).toBe(final(REPLY));
  });

  it.each([
    ['an unclosed fence', '```ts\nconst a = 1;', '<pre lang=ts open>const a = 1;</pre>'],
    ['an unclosed fence ending in a newline', '```\na\n', '<pre open>a</pre>'],
    ['a half-typed closing fence', '```\na\n``', '<pre open>a</pre>'],
    ['a fully typed closing fence', '```\na\n```', '<pre open>a</pre>'],
    ['an unclosed strong', 'Hello **wor', '<p>Hello **wor</p>'],
    [
      'an unclosed strong before closed markup',
      '**done** and **wor',
      '<p><strong>done</strong> and **wor</p>',
    ],
    ['an unclosed emphasis', 'an _unfinish', '<p>an _unfinish</p>'],
    ['an unclosed code span', 'run `npm i', '<p>run `npm i</p>'],
    [
      'an unclosed link',
      'see [the docs](https://docs.exa',
      '<p>see [the docs](<a href="https://docs.exa">https://docs.exa</a></p>',
    ],
    ['a trailing opener', 'Hello **', '<p>Hello</p>'],
    ['a trailing backtick', 'run `', '<p>run</p>'],
    ['a closing run that follows a word', 'a *b*', '<p>a <em>b</em></p>'],
    ['a bullet being typed', '- one\n-', '<ul><li><p>one</p></li></ul>'],
    ['a setext-looking dash', 'para\n-', '<p>para</p>'],
    ['an ordered marker being typed', '1. one\n2.', '<ol><li><p>one</p></li></ol>'],
    ['a heading marker being typed', 'text\n##', '<p>text</p>'],
    ['a quote marker being typed', 'text\n> ', '<p>text</p>'],
    ['a table without its delimiter row yet', '| a | b |', '<p>| a | b |</p>'],
    ['a half-typed delimiter row', '| a | b |\n|---|', '<p>| a | b |<br>|---|</p>'],
  ])('heals %s', (_name, source, expected) => {
    expect(streamed(source)).toBe(expected);
  });

  it('shows everything once the message is final', () => {
    expect(final('Hello **')).toBe('<p>Hello **</p>');
    expect(final('para\n-')).toBe('<p>para<br>-</p>');
    expect(final('```\na\n``')).toBe('<pre open>a\n``</pre>');
  });

  it('leaves finished text alone', () => {
    expect(healStreamingEnd('Done.')).toBe('Done.');
    expect(healStreamingEnd('a **b**')).toBe('a **b**');
    expect(healStreamingEnd('- item')).toBe('- item');
  });
});

describe('robustness', () => {
  it.each(HOSTILE_CORPUS.map((entry) => [entry.name, entry.source] as const))(
    'parses the hostile input %j without throwing, streaming or not',
    (_name, source) => {
      const started = performance.now();
      expect(() => parseMarkdown(source)).not.toThrow();
      expect(() => parseMarkdown(source, { streaming: true })).not.toThrow();
      expect(performance.now() - started).toBeLessThan(1_000);
    },
  );

  it('parses every prefix of short hostile inputs', () => {
    for (const { source } of HOSTILE_CORPUS.filter((entry) => entry.source.length < 300)) {
      for (let length = 0; length <= source.length; length++) {
        parseMarkdown(source.slice(0, length), { streaming: true });
      }
    }
  });
});
