/// <reference types="mocha" />
// Citation chips under an agent reply, in real Chromium (docs/architecture.md §12): one per
// `source` part, a link to the site's page resolved against the host page (a new tab only for
// another origin), no link for an unsafe URL or a file alone, the quote as tooltip and as text
// assistive technology reaches, axe clean in light and dark.
import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import type { SourcePart } from '../../../protocol/room.ts';
import { agentMessage, messageStart, SAGE } from '../../../protocol/test-support/messages.ts';
import { axeViolations } from '../../test-support/axe.ts';
import { findAll, mountChat, settle, unmountAll } from '../../test-support/mount-chat.ts';
import { StubConnection } from '../../test-support/stub-connection.ts';

interface AxNode {
  role: string;
  name: string;
  description?: string;
  children?: AxNode[];
}

function all(node: AxNode, test: (node: AxNode) => boolean): AxNode[] {
  return [
    ...(test(node) ? [node] : []),
    ...(node.children ?? []).flatMap((child) => all(child, test)),
  ];
}

const COMMUTER: SourcePart = {
  type: 'source',
  title: 'Commuter 8 E › Hills and distance, for the longest commutes of the region',
  url: '/demo/company.html#bikes',
  path: 'bikes/commuter-8-e.md',
  quote:
    'Made for steep or long commutes: the motor turns a hilly 10 to 25 km commute into an easy ride.',
};
const ELSEWHERE: SourcePart = {
  type: 'source',
  title: 'Warranty',
  url: 'https://docs.example/warranty',
  path: 'returns-and-warranty.md',
  quote: 'Frames carry a ten-year warranty.',
};
const UNSAFE: SourcePart = {
  type: 'source',
  title: 'Service',
  url: 'javascript:alert(1)',
  path: 'service.md',
  quote: 'Every new bike gets a free first service.',
};
const FILE_ONLY: SourcePart = {
  type: 'source',
  title: 'Opening hours',
  url: null,
  path: 'about.html',
  quote: 'Tuesday to Friday 9:00 to 18:00.',
};

async function mountAnswer(parts: SourcePart[], theme: 'light' | 'dark' = 'light') {
  const reply = agentMessage({
    id: 'r1',
    author: SAGE,
    status: 'complete',
    content: 'For hills, the **Commuter 8 E**.',
    seq: 1 + parts.length,
    parts,
  });
  const chat = await mountChat(StubConnection.open([reply]), { mode: 'inline', theme });
  return { chat, chips: findAll<HTMLAnchorElement>(chat, '[part~="citation"]') };
}

describe('citation chips', () => {
  afterEach(() => unmountAll());

  it('shows one chip per source under the answer, linking to the site page on the host page’s origin', async () => {
    const { chat, chips } = await mountAnswer([COMMUTER, ELSEWHERE]);
    expect(chips.map((chip) => chip.textContent)).to.deep.equal([COMMUTER.title, 'Warranty']);
    const [own, other] = chips as [HTMLAnchorElement, HTMLAnchorElement];
    // Relative: resolved against the page the widget is on, not the chat server.
    expect(own.href).to.equal(new URL('/demo/company.html#bikes', document.baseURI).href);
    expect(own.hasAttribute('target')).to.equal(false); // the site's own page: same tab
    expect(other.href).to.equal('https://docs.example/warranty');
    expect(other.target).to.equal('_blank');
    expect(other.rel).to.equal('noopener noreferrer');
    // After the text, in a list named for what it is; a long title ends in an ellipsis.
    const list = own.closest('ul')!;
    expect(list.getAttribute('aria-label')).to.equal('Sources');
    expect(list.previousElementSibling?.getAttribute('part')).to.equal('message__content');
    expect(getComputedStyle(own).textOverflow).to.equal('ellipsis');
    expect(own.scrollWidth).to.be.greaterThan(own.clientWidth);
    expect(
      chat.shadowRoot!.querySelector('chorus-message-list')!.getAttribute('exportparts'),
    ).to.contain('citation');
  });

  it('makes no link of an unsafe URL or of a file without a page: the title alone', async () => {
    const { chips } = await mountAnswer([UNSAFE, FILE_ONLY]);
    expect(chips.map((chip) => [chip.textContent, chip.hasAttribute('href')])).to.deep.equal([
      ['Service', false],
      ['Opening hours', false],
    ]);
  });

  it('gives the quote as the tooltip, as the link’s description and as text in reading order', async () => {
    const { chips } = await mountAnswer([COMMUTER, FILE_ONLY]);
    expect(chips.map((chip) => chip.title)).to.deep.equal([COMMUTER.quote, FILE_ONLY.quote]);
    const tree = await executeServerCommand<AxNode, undefined>('accessibility-tree');
    const [link] = all(tree, (node) => node.role === 'link' && node.name === COMMUTER.title);
    expect(link?.description).to.equal(COMMUTER.quote);
    const texts = all(tree, (node) => node.role === 'StaticText').map((node) => node.name);
    expect(texts).to.include.members([COMMUTER.quote, FILE_ONLY.quote]);
  });

  it('shows the chips while the reply streams, as its source parts arrive', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { mode: 'inline' });
    const reply = agentMessage({ id: 'r2', author: SAGE });
    stub.deliver('message-start', messageStart(reply));
    stub.deliver('text-delta', { id: 'r2', seq: 1, delta: 'For hills, the Commuter 8 E.' });
    await settle(chat);
    expect(findAll(chat, '[part~="citation"]')).to.have.length(0);
    const { type: _type, ...source } = COMMUTER;
    stub.deliver('source', { id: 'r2', seq: 2, ...source });
    await settle(chat);
    expect(findAll(chat, '[part~="citation"]').map((chip) => chip.textContent)).to.deep.equal([
      COMMUTER.title,
    ]);
  });

  for (const theme of ['light', 'dark'] as const)
    it(`passes axe with its chips in the ${theme} theme (contrast included)`, async () => {
      const { chat } = await mountAnswer([COMMUTER, ELSEWHERE, UNSAFE, FILE_ONLY], theme);
      expect(await axeViolations(chat)).to.deep.equal([]);
    });
});
