/// <reference types="mocha" />
// What renderMarkdown puts on the page, in real Chromium: elements, attributes, parts, styles.
import 'axe-core/axe.min.js';
import type { AxeResults, RunOptions } from 'axe-core';
import { expect } from 'chai';
import { render } from 'lit';
import { markdownStyles } from './markdown.styles.ts';
import { renderMarkdown, type RenderMarkdownOptions } from './render-markdown.ts';

/** axe-core's UMD build puts itself on `window` when imported for its side effect. */
const { axe } = window as unknown as {
  axe: { run: (context: Element, options: RunOptions) => Promise<AxeResults> };
};

const mounted: HTMLElement[] = [];

/** Renders into the shadow root of a fresh element; `hostStyle` sets theme properties on the host. */
function show(source: string, options: RenderMarkdownOptions = {}, hostStyle = ''): ShadowRoot {
  const host = document.createElement('div');
  host.setAttribute('style', hostStyle);
  document.body.append(host);
  mounted.push(host);
  const root = host.attachShadow({ mode: 'open' });
  if (markdownStyles.styleSheet) root.adoptedStyleSheets = [markdownStyles.styleSheet];
  render(renderMarkdown(source, options), root);
  return root;
}

function one(root: ShadowRoot, selector: string): HTMLElement {
  const element = root.querySelector<HTMLElement>(selector);
  if (!element) throw new Error(`no ${selector} in ${root.innerHTML}`);
  return element;
}

describe('renderMarkdown', () => {
  afterEach(() => {
    for (const host of mounted.splice(0)) host.remove();
  });

  it('renders headings as role="heading" paragraphs at levels 3 to 6, never h1/h2', () => {
    const root = show('# One\n## Two\n### Three\n#### Four\n###### Six');
    const levels = [...root.querySelectorAll('[role="heading"]')].map((heading) =>
      heading.getAttribute('aria-level'),
    );
    expect(levels).to.deep.equal(['3', '4', '5', '6', '6']);
    expect(root.querySelector('h1, h2, h3, h4, h5, h6')).to.equal(null);
    expect(
      [...root.querySelectorAll('[role="heading"]')].map(
        (heading) => getComputedStyle(heading).fontSize,
      ),
    ).to.deep.equal(['20px', '18.4px', '16.8px', '16px', '16px']);
  });

  it('renders inline markup', () => {
    const root = show('*em* **strong** ~~del~~ `code`\nnext');
    expect(one(root, 'p').innerHTML.replace(/<!--[^>]*-->/g, '')).to.equal(
      '<em>em</em> <strong>strong</strong> <del>del</del> <code part="md-code">code</code><br>next',
    );
  });

  it('renders a fenced code block with its language, copy-exact', () => {
    const code = 'const a = "<b>";\n\tindented();\n';
    const root = show(`\`\`\`ts\n${code}\`\`\``);
    const pre = one(root, 'pre');
    expect(pre.getAttribute('part')).to.equal('md-code-block');
    expect(pre.dataset['language']).to.equal('ts');
    expect(one(root, 'pre > code').className).to.equal('language-ts');
    expect(pre.textContent).to.equal(code.slice(0, -1));
  });

  it('renders an unclosed fence of a streaming message as a code block', () => {
    const root = show('Look:\n```py\nprint("hi")\n``', { streaming: true });
    expect(one(root, 'pre > code').textContent).to.equal('print("hi")');
    expect(root.querySelectorAll('p')).to.have.length(1);
  });

  it('renders lists, nested and numbered, compact but for a second paragraph in an item', () => {
    const root = show('3. three\n   - nested\n4. four\n\n   more');
    const list = one(root, 'ol');
    expect(list.getAttribute('start')).to.equal('3');
    expect(list.querySelectorAll(':scope > li')).to.have.length(2);
    expect(one(root, 'ol > li > ul > li').textContent).to.equal('nested');
    const margins = [...root.querySelectorAll('li > *')].map((element) => {
      const style = getComputedStyle(element);
      return `${element.textContent}: ${style.marginTop} ${style.marginBottom}`;
    });
    expect(margins).to.deep.equal([
      'three: 0px 0px',
      'nested: 0px 0px',
      'nested: 0px 0px',
      'four: 0px 0px',
      'more: 9.6px 0px',
    ]);
  });

  it('renders tables with header cells and alignment classes', () => {
    const root = show('| a | b | c |\n|:--|:-:|--:|\n| 1 | **2** | 3 |');
    expect(one(root, '[part="md-table-scroll"] > table').getAttribute('part')).to.equal('md-table');
    expect(
      [...root.querySelectorAll('th')].map((cell) => [
        cell.textContent,
        cell.className,
        cell.scope,
      ]),
    ).to.deep.equal([
      ['a', 'md-align-left', 'col'],
      ['b', 'md-align-center', 'col'],
      ['c', 'md-align-right', 'col'],
    ]);
    expect(one(root, 'td.md-align-center > strong').textContent).to.equal('2');
    expect(getComputedStyle(one(root, 'td.md-align-right')).textAlign).to.equal('right');
  });

  it('lets a table wider than its message scroll sideways instead of breaking words', () => {
    const root = show(
      '| Product | Price | Availability |\n|---|--:|---|\n| Widget | 12.50 | Everywhere |',
      {},
      'width: 120px; overflow-wrap: anywhere',
    );
    const scroller = one(root, '[part="md-table-scroll"]');
    expect(scroller.scrollWidth).to.be.greaterThan(scroller.clientWidth);
    for (const cell of root.querySelectorAll('th, td')) {
      const range = document.createRange();
      range.selectNodeContents(cell);
      expect(range.getClientRects(), `"${cell.textContent}" on one line`).to.have.length(1);
    }
  });

  it('renders task list items as read-only checkboxes labelled by their text', () => {
    const root = show('- [x] write the tests\n- [ ] ship **it**\n- plain');
    const boxes = [...root.querySelectorAll<HTMLInputElement>('li input[type="checkbox"]')];
    expect(
      boxes.map((box) => [box.checked, box.disabled, box.labels?.[0]?.textContent]),
    ).to.deep.equal([
      [true, true, 'write the tests'],
      [false, true, 'ship it'],
    ]);
    boxes[1]!.click();
    expect(boxes[1]!.checked).to.equal(false);
    expect(root.querySelectorAll('li')[2]?.textContent).to.equal('plain');
    expect(root.textContent).to.not.contain('[');
    expect(getComputedStyle(one(root, 'li.md-task')).listStyleType).to.equal('none');
  });

  it('puts a copy button on code blocks that copies the code and says so', async () => {
    let copied: string | undefined;
    const original = Object.getOwnPropertyDescriptor(Navigator.prototype, 'clipboard');
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: { writeText: async (text: string) => void (copied = text) },
    });
    try {
      const root = show('```sh\nnpm start\n  --port 8080\n```', {
        copyLabels: ['Copier', 'Copié'],
      });
      const button = one(root, '[part="md-copy-button"]') as HTMLButtonElement;
      const visible = () =>
        [...button.children]
          .filter((child) => !(child as HTMLElement).hidden)
          .map((child) => child.textContent);
      expect(button.type).to.equal('button');
      expect(visible()).to.deep.equal(['Copier']);
      button.click();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(copied).to.equal('npm start\n  --port 8080');
      expect(visible()).to.deep.equal(['Copié']);
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect(visible()).to.deep.equal(['Copier']);
    } finally {
      delete (navigator as { clipboard?: unknown }).clipboard;
      if (original) Object.defineProperty(Navigator.prototype, 'clipboard', original);
    }
  });

  it('renders blockquotes and rules', () => {
    const root = show('> quoted\n\n---');
    expect(one(root, 'blockquote > p').textContent).to.equal('quoted');
    expect(root.querySelectorAll('hr')).to.have.length(1);
  });

  it('renders safe links in a new tab, showing the host when the text is not the URL', () => {
    const root = show('[the docs](https://docs.example/guide?x=1) and https://plain.example/a');
    const [named, bare] = root.querySelectorAll('a');
    expect(named?.getAttribute('href')).to.equal('https://docs.example/guide?x=1');
    expect(named?.target).to.equal('_blank');
    expect(named?.rel).to.equal('noopener noreferrer nofollow ugc');
    expect(named?.title).to.equal('https://docs.example/guide?x=1');
    expect(named?.querySelector('[part="md-link-host"]')?.textContent).to.equal('docs.example');
    expect(named?.querySelector('[part="md-link-host"]')?.getAttribute('dir')).to.equal('ltr');
    expect(bare?.textContent).to.equal('https://plain.example/a');
    expect(bare?.querySelector('[part="md-link-host"]')).to.equal(null);
  });

  it('shows a mailto link with its address, and lets linkLabel word the target', () => {
    expect(one(show('[write](mailto:ada@example.com)'), '.md-link-host').textContent).to.equal(
      'ada@example.com',
    );
    const root = show('[docs](https://docs.example/)', {
      linkLabel: (href) => `opens ${new URL(href).hostname}`,
    });
    expect(one(root, '.md-link-host').textContent).to.equal('opens docs.example');
  });

  it('renders refused links as their text', () => {
    const root = show('[click me](javascript:alert(1)) [rel](/relative) <javascript:alert(2)>');
    expect(root.querySelector('a')).to.equal(null);
    expect(one(root, 'p').textContent).to.equal('click me rel javascript:alert(2)');
  });

  it('shows an image that is not allowlisted as a placeholder link with alt text and host', () => {
    const root = show('![a chart](https://charts.example/c.png)');
    expect(root.querySelector('img')).to.equal(null);
    const placeholder = one(root, 'a[part="md-image-placeholder"]');
    expect(placeholder.textContent).to.equal('a chart charts.example');
    expect(placeholder.getAttribute('href')).to.equal('https://charts.example/c.png');
  });

  it('shows input over 100,000 characters as plain text', () => {
    const source = `**${'x'.repeat(100_000)}**`;
    const root = show(source);
    expect(one(root, '.md--plain').textContent).to.equal(source);
    expect(root.querySelector('strong')).to.equal(null);
  });

  it('never throws: not a string, or a throwing linkLabel, still renders', () => {
    expect(show(undefined as unknown as string).textContent).to.equal('');
    const root = show('[x](https://a.example/)', {
      linkLabel: () => {
        throw new Error('bug');
      },
    });
    expect(one(root, '.md--plain').textContent).to.equal('[x](https://a.example/)');
  });

  it('takes colours from --chorus-* custom properties', () => {
    const root = show(
      '[x](https://a.example/) `code`',
      {},
      '--chorus-link-color: rgb(1, 2, 3); --chorus-code-background: rgb(4, 5, 6)',
    );
    expect(getComputedStyle(one(root, 'a')).color).to.equal('rgb(1, 2, 3)');
    expect(getComputedStyle(one(root, 'code')).backgroundColor).to.equal('rgb(4, 5, 6)');
  });

  it('falls back to link colours for light and dark schemes', () => {
    const light = show(
      '[x](https://a.example/)',
      {},
      'color-scheme: light; color: #111; background: #fff',
    );
    const dark = show(
      '[x](https://a.example/)',
      {},
      'color-scheme: dark; color: #eee; background: #121212',
    );
    expect(getComputedStyle(one(light, 'a')).color).to.equal('rgb(11, 87, 208)');
    expect(getComputedStyle(one(dark, 'a')).color).to.equal('rgb(168, 199, 250)');
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`passes axe (contrast included) in the ${scheme} scheme`, async () => {
      const colours =
        scheme === 'light'
          ? 'color: #1a1a1a; background: #ffffff'
          : 'color: #e8e8e8; background: #121212';
      const root = show(
        '# Title\n\nText with [a link](https://a.example/x), `code` and ![img](https://b.example/i.png).\n\n' +
          '```ts\nconst a = 1;\n```\n\n> quote\n\n- one\n- two\n\n- [x] done\n- [ ] to do\n\n| a | b |\n|---|--:|\n| 1 | 2 |',
        {},
        `color-scheme: ${scheme}; ${colours}`,
      );
      const results = await axe.run(root.host, { resultTypes: ['violations'] });
      const violations = results.violations.map(
        (violation) => `${violation.id}: ${violation.nodes.map((node) => node.html).join(' | ')}`,
      );
      expect(violations).to.deep.equal([]);
    });
  }
});
