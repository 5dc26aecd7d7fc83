/// <reference types="mocha" />
// Failed replies as a visitor sees them, against the real server that `npm run test:browser`
// starts (test/helpers/browser-test-server.ts): in `widgetRooms.errors` both agents' model server
// refuses connections, so every reply fails the same way (docs/architecture.md §5, "Failed replies").
import { sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import type { BrowserTestConfig } from '../../../test/helpers/browser-test-server.ts';
import type { ChorusChat } from '../chat/chat.ts';
import { findAll, get, settle, until } from '../../test-support/mount-chat.ts';

const REPLY_TIMEOUT_MS = 15_000;

describe('failed replies against the real server', function () {
  this.timeout(40_000);
  let chat: ChorusChat | undefined;

  afterEach(() => chat?.remove());

  it('shows one friendly notice for agents that failed for one cause, and one Retry that retries them all', async () => {
    const response = await fetch('/__chorus/test-config.json');
    const config = (await response.json()) as BrowserTestConfig;
    chat = document.createElement('chorus-chat');
    chat.setAttribute('room', config.widgetRooms.errors);
    chat.setAttribute('server', config.url);
    chat.setAttribute('mode', 'inline');
    chat.setAttribute('name', 'Ada');
    const ready = new Promise((resolve) => chat!.addEventListener('chorus-ready', resolve));
    document.body.append(chat);
    await ready;
    await settle(chat);
    get<HTMLTextAreaElement>(chat, 'textarea').focus();
    await sendKeys({ type: 'Is anyone there?' });
    await sendKeys({ press: 'Enter' });

    const notices = () => findAll(chat!, '[part="error-notice"]');
    // The second failure joins the first one's notice as it ends.
    const text = (element: Element) => element.textContent?.replace(/\s+/g, ' ').trim();
    await until(() => {
      expect(notices()).to.have.length(1);
      // The agents in the order their replies failed.
      expect(text(notices()[0]!)).to.match(
        /^Unreachable (A and Unreachable B|B and Unreachable A) can’t answer right now\. Try again soon\. Retry$/,
      );
    }, REPLY_TIMEOUT_MS);
    const [notice] = notices();
    // No agent bubble of its own, and nothing of the server's words anywhere in the chat.
    expect(findAll(chat, '[part~="message--agent"]')).to.have.length(0);
    const shown = findAll(chat, '[part="log"]')[0]!.textContent ?? '';
    for (const internal of ['127.0.0.1', 'Connection error', 'fetch failed', 'OpenAI'])
      expect(shown).to.not.contain(internal);

    const firstId = notice!.dataset['id'];
    notice!.querySelector<HTMLButtonElement>('button')!.click();
    // Both agents answer again (and fail again): their new versions replace the old ones in place,
    // so there is still one notice, now for the new versions, naming both and offering Retry.
    await until(() => {
      expect(notices()).to.have.length(1);
      expect(notices()[0]!.dataset['id']).to.not.equal(firstId);
      expect(text(notices()[0]!)).to.match(/^Unreachable . and Unreachable . can’t/);
    }, REPLY_TIMEOUT_MS);
    expect(notices()[0]!.querySelector('button')?.textContent?.trim()).to.equal('Retry');
    expect(findAll(chat, '[part~="message--agent"]')).to.have.length(0);
  });
});
