/// <reference types="mocha" />
// Three agents streaming at once in a phone-sized panel (docs/architecture.md §10, concurrent
// replies): every reply streaming stays in view with its latest text, the header keeps its height,
// Stop all overlays instead of pushing the transcript.
import { setViewport } from '@web/test-runner-commands';
import { expect } from 'chai';
import {
  agentMessage,
  humanMessage,
  messageStart,
  SAGE,
  SCOUT,
} from '../../../protocol/test-support/messages.ts';
import { axeViolations } from '../../test-support/axe.ts';
import { find, get, mountChat, settle, unmountAll } from '../../test-support/mount-chat.ts';
import { StubConnection } from '../../test-support/stub-connection.ts';

const MUSE = { kind: 'agent' as const, id: 'muse', name: 'Muse' };
const AGENTS = [SAGE, SCOUT, MUSE];

/** Whether `element` is entirely inside `viewport` (the log's visible box). */
function inside(element: Element, viewport: Element): boolean {
  const box = element.getBoundingClientRect();
  const view = viewport.getBoundingClientRect();
  return box.top >= view.top - 1 && box.bottom <= view.bottom + 1 && box.height > 0;
}

/** The rendered line box of the last text of a bubble (its latest words). */
function lastLine(bubble: Element): Range {
  const walker = document.createTreeWalker(bubble.querySelector('.body')!, NodeFilter.SHOW_TEXT);
  let last: Text | null = null;
  while (walker.nextNode())
    if ((walker.currentNode as Text).data.trim()) last = walker.currentNode as Text;
  const range = document.createRange();
  range.setStart(last!, Math.max(0, last!.data.length - 3));
  range.setEnd(last!, last!.data.length);
  return range;
}

for (const [width, height] of [
  [380, 600],
  [390, 844],
] as const) {
  describe(`three replies streaming at ${width}×${height}`, () => {
    before(() => setViewport(width === 380 ? { width: 1000, height: 800 } : { width, height }));
    after(() => setViewport({ width: 800, height: 600 }));
    afterEach(() => unmountAll());

    it('keeps every streaming reply’s latest text in view, the header’s height and the transcript still', async () => {
      const stub = StubConnection.open([
        humanMessage({ id: 'h1', content: '@all tell me everything' }),
      ]);
      const chat = await mountChat(stub, { mode: 'launcher', open: true });
      const panel = get(chat, '.panel');
      if (width === 380) expect(Math.round(panel.getBoundingClientRect().height)).to.equal(600);
      expect(Math.round(panel.getBoundingClientRect().width)).to.equal(width);
      stub.setPresence([
        { kind: 'human', id: 'guest:ada', name: 'Ada' },
        { kind: 'human', id: 'guest:grace', name: 'Grace' },
        { kind: 'human', id: 'guest:linus', name: 'Linus' },
      ]);
      await settle(chat);
      const header = get(chat, '[part="header"]');
      const log = get(chat, '[part="log"]');
      const headerHeight = header.getBoundingClientRect().height;
      const logHeight = log.getBoundingClientRect().height;

      const replies = AGENTS.map((author, index) =>
        agentMessage({
          id: `r${index}`,
          author,
          replyTo: 'h1',
          reason: 'all',
          model: `model-${author.id}`,
        }),
      );
      for (const reply of replies) stub.deliver('message-start', messageStart(reply));
      for (let seq = 1; seq <= 40; seq += 1)
        for (const reply of replies)
          stub.deliver('text-delta', {
            id: reply.id,
            seq,
            delta: `${reply.author.name} sentence ${seq} of a long answer. `,
          });
      await settle(chat);

      for (const reply of replies) {
        const bubble = get(log, `article[data-id="${reply.id}"]`);
        // Its author row (with Stop) and its latest words are within the log's visible box.
        expect(inside(get(bubble, '.meta'), log), `${reply.id} author row`).to.equal(true);
        expect(find(bubble, '.meta [part="message__stop"]')).to.not.equal(null);
        const latest = lastLine(bubble).getBoundingClientRect();
        const view = log.getBoundingClientRect();
        expect(
          latest.top >= view.top && latest.bottom <= view.bottom,
          `${reply.id} latest text`,
        ).to.equal(true);
        expect(lastLine(bubble).startContainer.textContent).to.contain('sentence 40 of');
        // A long reply is capped (its start fades out) and offers Show more.
        expect(get(bubble, '.more').checkVisibility()).to.equal(true);
      }
      // The header did not grow ("writing…" ×3 on one line) and Stop all did not push the log.
      expect(get(chat, '[part="presence"]').textContent?.match(/writing…/g)).to.have.length(3);
      expect(header.getBoundingClientRect().height).to.equal(headerHeight);
      expect(log.getBoundingClientRect().height).to.equal(logHeight);
      expect(find(chat, '[part="stop-all-button"]')).to.not.equal(null);
      expect(await axeViolations(chat)).to.deep.equal([]);

      // Show more expands one reply in place; Show less caps it again.
      const first = get(log, 'article[data-id="r0"]');
      const capped = first.getBoundingClientRect().height;
      get<HTMLButtonElement>(first, '.more').click();
      await settle(chat);
      expect(first.getBoundingClientRect().height).to.be.greaterThan(capped * 2);
      expect(get(first, '.more').getAttribute('aria-expanded')).to.equal('true');
    });
  });
}
