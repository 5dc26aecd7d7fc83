/// <reference types="mocha" />
// Renders every hostile input of the corpus into a shadow root in real Chromium and checks that
// no script ran, no request left for a foreign host, and only harmless elements were created.
import { expect } from 'chai';
import { render } from 'lit';
import {
  HOSTILE_ALLOWED_IMAGE_HOST,
  HOSTILE_CORPUS,
  type HostileInput,
} from '../test-support/hostile-corpus.ts';
import { markdownStyles } from './markdown.styles.ts';
import { renderMarkdown, type RenderMarkdownOptions } from './render-markdown.ts';

declare global {
  interface Window {
    /** The sentinel every payload calls. */
    __pwned: (...args: unknown[]) => void;
  }
}

/** Every element `renderMarkdown` may create; `img` only for allowlisted hosts. */
const ALLOWED_TAGS = new Set([
  'div',
  'p',
  'span',
  'em',
  'strong',
  'del',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'hr',
  'br',
  'a',
  'img',
  'button',
  'label',
  'input',
]);
const ALLOWED_ATTRIBUTES = new Set([
  'class',
  'part',
  'role',
  'aria-level',
  'dir',
  'href',
  'title',
  'target',
  'rel',
  'start',
  'scope',
  'tabindex',
  'data-language',
  'src',
  'alt',
  'loading',
  'decoding',
  'referrerpolicy',
  'type',
  'disabled',
  'checked',
  'aria-live',
  'hidden',
]);
const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** What the page noticed: sentinel calls, dialogs, errors, CSP reports, requests to other hosts. */
const incidents = {
  pwned: [] as string[],
  errors: [] as string[],
  violations: [] as string[],
  foreignRequests: [] as string[],
};

function isLocalUrl(url: string): boolean {
  const { hostname } = new URL(url, location.href);
  return hostname === location.hostname || hostname === 'localhost' || hostname === '127.0.0.1';
}

window.__pwned = (...args) => incidents.pwned.push(`__pwned(${args.join(', ')})`);
for (const dialog of ['alert', 'confirm', 'prompt'] as const) {
  window[dialog] = ((message?: unknown) => {
    incidents.pwned.push(`${dialog}(${String(message)})`);
    return null;
  }) as never;
}
// Capture phase: also sees resource load errors (a failed <img>), which do not bubble.
window.addEventListener(
  'error',
  (event) =>
    incidents.errors.push(
      event.message || `load error on <${(event.target as Element).localName}>`,
    ),
  true,
);
window.addEventListener('unhandledrejection', (event) =>
  incidents.errors.push(String(event.reason)),
);
document.addEventListener('securitypolicyviolation', (event) =>
  incidents.violations.push(`${event.violatedDirective} ${event.blockedURI}`),
);
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if (!isLocalUrl(entry.name)) incidents.foreignRequests.push(entry.name);
}).observe({ type: 'resource', buffered: true });

function resetIncidents(): void {
  for (const list of Object.values(incidents)) list.length = 0;
}

const nextFrame = (): Promise<void> =>
  new Promise((resolve) => requestAnimationFrame(() => resolve()));
const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Gives async loads (images, frames, styles) and their handlers time to happen. */
async function settle(): Promise<void> {
  await nextFrame();
  await nextFrame();
  await sleep(100);
}

/** Elements this file added to the page, removed after each test. */
const mounted: HTMLElement[] = [];

function mount(): HTMLElement {
  const element = document.createElement('div');
  document.body.append(element);
  mounted.push(element);
  return element;
}

/** Renders Markdown into the open shadow root of a fresh element in the document. */
function renderIntoShadowRoot(source: string, options: RenderMarkdownOptions): ShadowRoot {
  const host = mount();
  const root = host.attachShadow({ mode: 'open' });
  if (markdownStyles.styleSheet) root.adoptedStyleSheets = [markdownStyles.styleSheet];
  render(renderMarkdown(source, options), root);
  return root;
}

/** The checks that do not depend on timing: element types, attributes and link targets. */
function expectHarmlessDom(root: ShadowRoot, allowedImageHosts: readonly string[]): void {
  for (const element of root.querySelectorAll('*')) {
    expect(ALLOWED_TAGS.has(element.localName), `unexpected <${element.localName}>`).to.equal(true);
    for (const attribute of element.attributes) {
      expect(
        ALLOWED_ATTRIBUTES.has(attribute.name),
        `unexpected ${attribute.name}= on <${element.localName}>`,
      ).to.equal(true);
    }
  }
  for (const image of root.querySelectorAll('img')) {
    const url = new URL(image.src);
    expect(
      url.protocol === 'https:' && allowedImageHosts.includes(url.host),
      `image from ${image.src}`,
    ).to.equal(true);
  }
  for (const link of root.querySelectorAll('a')) {
    const href = link.getAttribute('href') ?? '';
    expect(LINK_PROTOCOLS.has(new URL(href).protocol), `link to ${href}`).to.equal(true);
    expect(link.rel).to.equal('noopener noreferrer nofollow ugc');
    expect(link.target).to.equal('_blank');
  }
}

function expectNoIncidents(): void {
  expect(incidents.pwned, 'a payload ran').to.deep.equal([]);
  expect(incidents.errors, 'errors').to.deep.equal([]);
  expect(incidents.violations, 'CSP violations').to.deep.equal([]);
  expect(incidents.foreignRequests, 'requests to other hosts').to.deep.equal([]);
}

describe('renderMarkdown safety', () => {
  beforeEach(resetIncidents);
  afterEach(() => {
    for (const element of mounted.splice(0)) element.remove();
  });

  describe('the harness itself', () => {
    it('notices a payload that runs', async () => {
      mount().innerHTML = '<img src="/__chorus/missing.png" onerror="__pwned()">';
      await settle();
      expect(incidents.pwned).to.deep.equal(['__pwned()']);
      expect(incidents.errors).to.have.length(1);
    });

    it('notices a request to a foreign host', async () => {
      const image = new Image();
      image.src = 'https://evil.example/harness-control.png';
      const deadline = Date.now() + 5_000;
      while (incidents.foreignRequests.length === 0 && Date.now() < deadline) await sleep(50);
      expect(incidents.foreignRequests).to.deep.equal(['https://evil.example/harness-control.png']);
    });

    it('has a corpus of at least 100 hostile inputs with unique names', () => {
      expect(HOSTILE_CORPUS.length).to.be.at.least(100);
      expect(new Set(HOSTILE_CORPUS.map((entry) => entry.name)).size).to.equal(
        HOSTILE_CORPUS.length,
      );
    });
  });

  describe('hostile inputs', () => {
    const allowedImageHosts = [HOSTILE_ALLOWED_IMAGE_HOST];

    for (const { name, source, expectText } of HOSTILE_CORPUS as readonly HostileInput[]) {
      it(name, async () => {
        const roots = [
          renderIntoShadowRoot(source, { allowedImageHosts }),
          renderIntoShadowRoot(source, { allowedImageHosts, streaming: true }),
        ];
        await settle();
        expectNoIncidents();
        for (const root of roots) {
          expectHarmlessDom(root, allowedImageHosts);
          expect(root.querySelectorAll('img'), 'no corpus image may load').to.have.length(0);
          if (expectText !== undefined) expect(root.textContent).to.include(expectText);
        }
      });
    }
  });

  describe('the image allowlist', () => {
    it('creates an <img> for an allowlisted https host, and a placeholder for any other', async () => {
      // The test server's own host, over https: allowlisted, and not a foreign request.
      const allowedSource = `https://${location.host}/__chorus/allowlisted.png?size=2`;
      const root = renderIntoShadowRoot(
        `![allowed](${allowedSource}) ![other](https://evil.example/p.png?cookie=1) ![plain](http://${location.host}/a.png)`,
        { allowedImageHosts: [location.host] },
      );
      const images = root.querySelectorAll('img');
      expect(images).to.have.length(1);
      expect(images[0]?.getAttribute('src')).to.equal(allowedSource);
      expect(images[0]?.alt).to.equal('allowed');
      expect(images[0]?.referrerPolicy).to.equal('no-referrer');
      const placeholders = [...root.querySelectorAll('[part~="md-image-placeholder"]')].map(
        (element) => element.textContent,
      );
      expect(placeholders).to.deep.equal(['other evil.example', `plain ${location.host}`]);

      await settle();
      expect(incidents.pwned).to.deep.equal([]);
      expect(incidents.foreignRequests).to.deep.equal([]);
      expectHarmlessDom(root, [location.host]);
    });
  });
});
