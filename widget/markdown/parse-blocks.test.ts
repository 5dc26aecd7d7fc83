import { describe, expect, it } from 'vitest';
import { MARKDOWN_LIMITS, type BlockNode } from './markdown-ast.ts';
import { outlineBlocks } from './markdown-outline.ts';
import { parseMarkdown } from './parse-markdown.ts';

const outline = (source: string): string => outlineBlocks(parseMarkdown(source).blocks);

describe('block parsing', () => {
  it.each([
    ['paragraphs', 'one\ntwo\n\nthree', '<p>one<br>two</p><p>three</p>'],
    ['CRLF line endings', 'one\r\ntwo\r\n\r\nthree', '<p>one<br>two</p><p>three</p>'],
    ['leading and trailing spaces of lines', '  one  \n   two', '<p>one<br>two</p>'],
    [
      'ATX headings',
      '# One\n## Two ##\n###### Six\n####### seven',
      '<h1>One</h1><h2>Two</h2><h6>Six</h6><p>####### seven</p>',
    ],
    ['a hash without space', '#hashtag', '<p>#hashtag</p>'],
    [
      'no setext headings: an underline is text, or a rule',
      'Title\n=====\nSub\n---',
      '<p>Title<br>=====<br>Sub</p><hr>',
    ],
    ['thematic breaks', 'a\n\n---\n\n* * *\n___', '<p>a</p><hr><hr><hr>'],
    ['fenced code', '```ts\nconst a = 1;\n\n  b\n```', '<pre lang=ts>const a = 1;\n\n  b</pre>'],
    ['tilde fences and longer closers', '~~~\n```\n~~~~', '<pre>```</pre>'],
    ['fence info beyond the language', '```js title="x"\nx\n```', '<pre lang=js>x</pre>'],
    ['a backtick info string is not a fence', '``` a`b\ntext', '<p>``` a`b<br>text</p>'],
    ['indented fences lose their indentation', '  ```\n  a\n b\n  ```', '<pre>a\nb</pre>'],
    ['fenced code keeps tabs', '```\n\tgo()\n```', '<pre>\tgo()</pre>'],
    [
      'no indented code: indented lines are text',
      '    a\n\n    b\nafter',
      '<p>a</p><p>b<br>after</p>',
    ],
    ['code is not Markdown', '```\n**not bold** <b>\n```', '<pre>**not bold** <b></pre>'],
    [
      'blockquotes',
      '> one\n> two\n\n> three',
      '<blockquote><p>one<br>two</p></blockquote><blockquote><p>three</p></blockquote>',
    ],
    ['lazy quote continuation', '> one\ntwo', '<blockquote><p>one<br>two</p></blockquote>'],
    [
      'nested quotes',
      '> a\n>> b',
      '<blockquote><p>a</p><blockquote><p>b</p></blockquote></blockquote>',
    ],
    [
      'blocks inside quotes',
      '> # H\n> - a\n> ```\n> x\n> ```',
      '<blockquote><h1>H</h1><ul><li><p>a</p></li></ul><pre>x</pre></blockquote>',
    ],
    [
      'bullet lists',
      '- a\n- b\n* c',
      '<ul><li><p>a</p></li><li><p>b</p></li></ul><ul><li><p>c</p></li></ul>',
    ],
    [
      'ordered lists with a start',
      '3. a\n4. b',
      '<ol start=3><li><p>a</p></li><li><p>b</p></li></ol>',
    ],
    ['ordered lists with )', '1) a\n2) b', '<ol><li><p>a</p></li><li><p>b</p></li></ol>'],
    ['loose lists', '- a\n\n- b', '<ul><li><p>a</p></li><li><p>b</p></li></ul>'],
    [
      'nested lists',
      '- a\n  - b\n    - c\n- d',
      '<ul><li><p>a</p><ul><li><p>b</p><ul><li><p>c</p></li></ul></li></ul></li><li><p>d</p></li></ul>',
    ],
    [
      'ordered in bullet',
      '1. one\n   - x\n2. two',
      '<ol><li><p>one</p><ul><li><p>x</p></li></ul></li><li><p>two</p></li></ol>',
    ],
    [
      'multi-paragraph items',
      '1. a\n\n   more\n2. b',
      '<ol><li><p>a</p><p>more</p></li><li><p>b</p></li></ol>',
    ],
    ['lazy item continuation', '- a\nb', '<ul><li><p>a<br>b</p></li></ul>'],
    ['code inside items', '- a\n  ```\n  x\n  ```', '<ul><li><p>a</p><pre>x</pre></li></ul>'],
    ['only "1." may interrupt a paragraph', 'In\n2024. a year', '<p>In<br>2024. a year</p>'],
    ['a list interrupts a paragraph', 'Items:\n- a', '<p>Items:</p><ul><li><p>a</p></li></ul>'],
    ['a rule ends a list', '- a\n- - -', '<ul><li><p>a</p></li></ul><hr>'],
    [
      'task list items',
      '- [ ] write\n- [x] test\n- [X] ship\n- plain',
      '<ul><li>[ ]<p>write</p></li><li>[x]<p>test</p></li><li>[x]<p>ship</p></li><li><p>plain</p></li></ul>',
    ],
    [
      'brackets that are not a task',
      '- [ ]\n- [y] no\n- [x]no\n- [ ] # title\n1. [ ] numbered',
      '<ul><li><p>[ ]</p></li><li><p>[y] no</p></li><li><p>[x]no</p></li><li><p>[ ] # title</p></li></ul><ol><li>[ ]<p>numbered</p></li></ol>',
    ],
    [
      'tables',
      '| a | b |\n|---|---|\n| 1 | 2 |',
      '<table align=-,-><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>',
    ],
    [
      'table alignment',
      'a|b|c\n:-|:-:|-:',
      '<table align=left,center,right><tr><th>a</th><th>b</th><th>c</th></tr></table>',
    ],
    [
      'ragged table rows',
      '|a|b|\n|-|-|\n|1|\n|1|2|3|',
      '<table align=-,-><tr><th>a</th><th>b</th></tr><tr><td>1</td><td></td></tr><tr><td>1</td><td>2</td></tr></table>',
    ],
    [
      'escaped pipes and inline content',
      '|a|\n|-|\n|`x\\|y` **b**|',
      '<table align=-><tr><th>a</th></tr><tr><td><code>x|y</code> <strong>b</strong></td></tr></table>',
    ],
    ['a header/delimiter mismatch is no table', '|a|b|\n|-|', '<p>|a|b|<br>|-|</p>'],
    [
      'a table after a paragraph line',
      'Intro\n|a|\n|-|\n|1|\nAfter',
      '<p>Intro</p><table align=-><tr><th>a</th></tr><tr><td>1</td></tr></table><p>After</p>',
    ],
    [
      'HTML is text',
      '<div onclick="x()">\n<script>alert(1)</script>',
      '<p><div onclick="x()"><br><script>alert(1)</script></p>',
    ],
  ])('%s', (_name, source, expected) => {
    expect(outline(source)).toBe(expected);
  });

  it('marks a fence never closed as open, and drops its trailing blank lines', () => {
    expect(parseMarkdown('```py\nprint(1)\n\n').blocks).toEqual([
      { type: 'code-block', language: 'py', text: 'print(1)', closed: false },
    ]);
  });

  it('parses an empty message to no blocks', () => {
    expect(parseMarkdown('').blocks).toEqual([]);
    expect(parseMarkdown(' \n\t\n').blocks).toEqual([]);
  });

  describe('limits', () => {
    function depthOf(blocks: readonly BlockNode[]): number {
      let deepest = 0;
      for (const block of blocks) {
        const children =
          block.type === 'blockquote' ? [block.children] : block.type === 'list' ? block.items : [];
        for (const child of children) deepest = Math.max(deepest, 1 + depthOf(child));
      }
      return deepest;
    }

    it('reads quotes nested past the limit as text', () => {
      const blocks = parseMarkdown(`${'>'.repeat(500)} deep`).blocks;
      expect(depthOf(blocks)).toBe(MARKDOWN_LIMITS.maxBlockDepth);
    });

    it('reads lists nested past the limit as text', () => {
      const source = Array.from(
        { length: 300 },
        (_, level) => `${'  '.repeat(level)}- item ${level}`,
      ).join('\n');
      expect(depthOf(parseMarkdown(source).blocks)).toBe(MARKDOWN_LIMITS.maxBlockDepth);
    });

    it('does not parse input over the length limit', () => {
      const source = `**${'a'.repeat(MARKDOWN_LIMITS.maxInputLength)}**`;
      expect(parseMarkdown(source)).toEqual({ blocks: [], plain: source });
    });

    it.each([
      ['> '.repeat(20_000)],
      ['- '.repeat(30_000)],
      ['1. '.repeat(25_000)],
      [Array.from({ length: 5_000 }, (_, level) => `${' '.repeat(level % 40)}- x`).join('\n')],
      ['|'.repeat(50_000) + '\n' + '|-'.repeat(20_000)],
      ['```\n'.repeat(20_000)],
      ['#'.repeat(6) + ' '.repeat(90_000) + '#x'],
      ['a\n'.repeat(45_000)],
      ['>'.repeat(90_000) + '\n' + '- '.repeat(5_000)],
    ])('parses pathological input in linear-ish time (%#)', (source) => {
      const started = performance.now();
      parseMarkdown(source);
      expect(performance.now() - started).toBeLessThan(1_000);
    });
  });
});
