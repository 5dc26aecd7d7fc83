/// <reference types="mocha" />
// The widget under a strict Content-Security-Policy (no 'unsafe-inline', no 'unsafe-eval'), in an
// iframe whose CSP is set by a <meta>: it renders, styled, with no violation; where constructable
// stylesheets are missing, Lit's <style> elements carry the nonce given to <chorus-chat>.
import { expect } from 'chai';

interface FixtureWindow extends Window {
  cspViolations?: string[];
  cspReady?: boolean;
  launcherBackground?: string;
}

const frames: HTMLIFrameElement[] = [];

async function loadPage(
  policy: string,
  options: { nonce?: string; withoutAdoptedStyleSheets?: boolean; fixture?: string } = {},
): Promise<FixtureWindow> {
  const iframe = document.createElement('iframe');
  iframe.style.setProperty('width', '480px');
  iframe.style.setProperty('height', '640px');
  const before = options.withoutAdoptedStyleSheets
    ? '<script src="/widget/test-support/csp-no-adopted-style-sheets.ts"></script>'
    : '';
  const nonce = options.nonce ? ` data-nonce="${options.nonce}"` : '';
  iframe.srcdoc = `<!doctype html><html lang="en"><head><meta http-equiv="Content-Security-Policy" content="${policy}"><title>CSP</title>${before}</head>
    <body${nonce}><script type="module" src="/widget/test-support/${options.fixture ?? 'csp-fixture.ts'}"></script></body></html>`;
  document.body.append(iframe);
  frames.push(iframe);
  await new Promise((resolve) => iframe.addEventListener('load', resolve, { once: true }));
  const page = iframe.contentWindow as FixtureWindow;
  const deadline = performance.now() + 8_000;
  while (!page.cspReady) {
    if (performance.now() > deadline)
      throw new Error(
        `the fixture did not finish; violations: ${JSON.stringify(page.cspViolations ?? null)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return page;
}

function panelBackground(page: FixtureWindow): string {
  const chat = page.document.querySelector('chorus-chat');
  const panel = chat?.shadowRoot?.querySelector('[part="panel"]');
  return panel ? page.getComputedStyle(panel).backgroundColor : 'none';
}

const STRICT =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'";

describe('the widget under a strict CSP', () => {
  afterEach(() => {
    for (const frame of frames.splice(0)) frame.remove();
  });

  it('renders and is styled with no violation (constructable stylesheets, CSSOM custom properties)', async () => {
    const page = await loadPage(STRICT);
    expect(page.cspViolations).to.deep.equal([]);
    expect(panelBackground(page)).to.equal('rgb(255, 255, 255)');
    const article = page.document
      .querySelector('chorus-chat')
      ?.shadowRoot?.querySelector('chorus-message-list')
      ?.shadowRoot?.querySelector('article[data-id="r1"]');
    expect(article && page.getComputedStyle(article).borderLeftColor).to.equal('rgb(124, 58, 237)');
  });

  it('puts the nonce on its <style> elements where constructable stylesheets are missing', async () => {
    const page = await loadPage(
      `${STRICT.replace("style-src 'self'", "style-src 'self' 'nonce-chorus123'")}`,
      { nonce: 'chorus123', withoutAdoptedStyleSheets: true },
    );
    expect(page.cspViolations).to.deep.equal([]);
    expect(panelBackground(page)).to.equal('rgb(255, 255, 255)');
    const styles =
      page.document.querySelector('chorus-chat')?.shadowRoot?.querySelectorAll('style') ?? [];
    expect(styles.length).to.be.greaterThan(0);
  });

  it('the loader: its launcher is styled and loads the widget with no violation', async () => {
    const page = await loadPage(STRICT, { fixture: 'csp-loader-fixture.ts' });
    expect(page.cspViolations).to.deep.equal([]);
    expect(page.launcherBackground).to.equal('rgb(67, 56, 202)');
  });

  it('the loader: where constructable stylesheets are missing, its <style> elements carry the nonce', async () => {
    const page = await loadPage(
      `${STRICT.replace("style-src 'self'", "style-src 'self' 'nonce-chorus123'")}`,
      { nonce: 'chorus123', withoutAdoptedStyleSheets: true, fixture: 'csp-loader-fixture.ts' },
    );
    expect(page.cspViolations).to.deep.equal([]);
    expect(page.launcherBackground).to.equal('rgb(67, 56, 202)');
    const styles =
      page.document.querySelector('chorus-chat')?.shadowRoot?.querySelectorAll('style') ?? [];
    expect(styles.length).to.be.greaterThan(0);
  });

  it('(control) reports violations when the nonce is missing, so the checks above can fail', async () => {
    const page = await loadPage(STRICT, { withoutAdoptedStyleSheets: true });
    expect(page.cspViolations?.some((violation) => violation.startsWith('style-src'))).to.equal(
      true,
    );
  });
});
