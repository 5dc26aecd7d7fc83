import { describe, expect, it } from 'vitest';
import { decodeEscapesAndEntities } from './decode-text.ts';
import { MARKDOWN_LIMITS } from './markdown-ast.ts';
import { outlineInlines } from './markdown-outline.ts';
import { inlineText, parseInline } from './parse-inline.ts';

const outline = (source: string): string => outlineInlines(parseInline(source));

describe('parseInline', () => {
  it.each([
    ['plain text', 'plain text'],
    ['*em* and _em_', '<em>em</em> and <em>em</em>'],
    ['**strong** and __strong__', '<strong>strong</strong> and <strong>strong</strong>'],
    ['***both***', '<em><strong>both</strong></em>'],
    ['**bold *and em* inside**', '<strong>bold <em>and em</em> inside</strong>'],
    ['*em **and strong** inside*', '<em>em <strong>and strong</strong> inside</em>'],
    ['~~gone~~', '<del>gone</del>'],
    ['~5 minutes, ~10 at most', '~5 minutes, ~10 at most'],
    ['~~~three~~~', '~~~three~~~'],
    ['snake_case_name and 2*3*4', 'snake_case_name and 2<em>3</em>4'],
    ['a * b * c', 'a * b * c'],
    ['*foo**bar*', '<em>foo</em><em>bar</em>'],
    ['`code`', '<code>code</code>'],
    ['`` a ` b ``', '<code>a ` b</code>'],
    ['` padded `', '<code>padded</code>'],
    ['`*not em*` *em*', '<code>*not em*</code> <em>em</em>'],
    ['`unclosed and *em*', '`unclosed and <em>em</em>'],
    ['\\*literal\\* \\_too\\_', '*literal* _too_'],
    ['\\a stays', '\\a stays'],
    ['&amp; &lt;b&gt; &#65;&#x42; &nope; &copy;', '& <b> AB &nope; ©'],
    ['&#0; &#x110000;', '\ufffd \ufffd'],
    ['line one\nline two', 'line one<br>line two'],
    ['hard\\\nbreak', 'hard<br>break'],
    ['<b>not html</b>', '<b>not html</b>'],
  ])('%j', (source, expected) => {
    expect(outline(source)).toBe(expected);
  });

  describe('links and images', () => {
    it.each([
      ['[text](https://a.example/x)', '<a href="https://a.example/x">text</a>'],
      ['[t](<https://a.example/with space>)', '<a href="https://a.example/with space">t</a>'],
      ['[t](https://a.example "title") after', '<a href="https://a.example">t</a> after'],
      ["[t](https://a.example 'title')", '<a href="https://a.example">t</a>'],
      ['[t](https://a.example/(paren))', '<a href="https://a.example/(paren)">t</a>'],
      [
        '[**bold** link](https://a.example)',
        '<a href="https://a.example"><strong>bold</strong> link</a>',
      ],
      // The renderer shows a link inside a link's text as text.
      [
        '[outer [inner](https://b.example)](https://a.example)',
        '<a href="https://a.example">outer <a href="https://b.example">inner</a></a>',
      ],
      ['[a [b](https://b.example)', '[a <a href="https://b.example">b</a>'],
      ['[no target]', '[no target]'],
      [
        '[space] (https://a.example)',
        '[space] (<a href="https://a.example">https://a.example</a>)',
      ],
      [
        '[unclosed](https://a.example',
        '[unclosed](<a href="https://a.example">https://a.example</a>',
      ],
      ['[`]`](https://a.example)', '<a href="https://a.example"><code>]</code></a>'],
      ['[x](jav&#x61;script:alert(1))', '<a href="javascript:alert(1)">x</a>'],
      ['[x](java\\:script)', '<a href="java:script">x</a>'],
      [
        '![alt *text*](https://img.example/a.png)',
        '<img src="https://img.example/a.png" alt="alt text">',
      ],
      [
        '[![img](https://i.example/a.png)](https://a.example)',
        '<a href="https://a.example"><img src="https://i.example/a.png" alt="img"></a>',
      ],
      [
        '<https://a.example/path?q=1>',
        '<a href="https://a.example/path?q=1">https://a.example/path?q=1</a>',
      ],
      ['<mailto:ada@example.com>', '<a href="mailto:ada@example.com">mailto:ada@example.com</a>'],
      ['<ada@example.com>', '<a href="mailto:ada@example.com">ada@example.com</a>'],
      ['<javascript:alert(1)>', '<a href="javascript:alert(1)">javascript:alert(1)</a>'],
      ['<not a link>', '<not a link>'],
      ['see https://a.example/x.', 'see <a href="https://a.example/x">https://a.example/x</a>.'],
      [
        '(https://a.example/wiki/Foo_(bar))',
        '(<a href="https://a.example/wiki/Foo_(bar)">https://a.example/wiki/Foo_(bar)</a>)',
      ],
      ['(see https://a.example)', '(see <a href="https://a.example">https://a.example</a>)'],
      [
        '**https://a.example**',
        '<strong><a href="https://a.example">https://a.example</a></strong>',
      ],
      ['xhttps://a.example', 'xhttps://a.example'],
      ['https:// alone', 'https:// alone'],
    ])('%j', (source, expected) => {
      expect(outline(source)).toBe(expected);
    });

    it('gives an image the plain text of its alt as alt', () => {
      expect(inlineText(parseInline('a `b` *c*\nd'))).toBe('a b c d');
    });
  });

  describe('limits', () => {
    it('keeps links nested past the depth limit as text', () => {
      const depth = MARKDOWN_LIMITS.maxInlineDepth + 5;
      const source = '!['.repeat(depth) + 'x' + '](https://i.example/a.png)'.repeat(depth);
      expect(() => parseInline(source)).not.toThrow();
    });

    it('keeps emphasis nested past the depth limit as literal markers', () => {
      const depth = 40;
      const source = `${'*a '.repeat(depth)}x${' a*'.repeat(depth)}`;
      const nodes = parseInline(source);
      let nesting = 0;
      let container = nodes.find((node) => node.type === 'emphasis');
      while (container?.type === 'emphasis') {
        nesting++;
        container = container.children.find((node) => node.type === 'emphasis');
      }
      expect(nesting).toBe(MARKDOWN_LIMITS.maxInlineDepth);
      expect(inlineText(nodes)).toContain('*a *a');
    });

    it.each([
      ['*a '.repeat(30_000)],
      ['*a_ '.repeat(20_000)],
      ['['.repeat(50_000)],
      ['[a](x '.repeat(15_000)],
      ['[a]('.repeat(20_000)],
      ['`'.repeat(1) + ' `` '.repeat(20_000)],
      ['<a '.repeat(30_000)],
      ['&#'.repeat(40_000)],
      ['https://a.example/' + ')'.repeat(50_000)],
      ['_'.repeat(100_000)],
      ['xhttps://'.repeat(11_000)],
      ['` ' + '\\`` '.repeat(24_000)],
    ])('parses pathological input in linear-ish time (%#)', (source) => {
      const started = performance.now();
      parseInline(source);
      expect(performance.now() - started).toBeLessThan(1_000);
    });
  });
});

describe('decodeEscapesAndEntities', () => {
  it('decodes what a link destination may hide', () => {
    expect(decodeEscapesAndEntities('jav&#x61;script&#58;x\\(1\\)')).toBe('javascript:x(1)');
    expect(decodeEscapesAndEntities('no tricks')).toBe('no tricks');
  });
});
