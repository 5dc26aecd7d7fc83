/// <reference types="mocha" />
// The first minute against the real Chorus server (test/helpers/browser-test-server.ts): a room
// its first visitor creates (no title, no welcome), its agents as the server describes them, and
// a draft over the server's length limit.
import { sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import type { BrowserTestConfig } from '../../../test/helpers/browser-test-server.ts';
import type { ChorusChat } from '../chat/chat.ts';
import '../../define.ts';
import { axeViolations } from '../../test-support/axe.ts';
import { find, findAll, get, settle } from '../../test-support/mount-chat.ts';
import { MAX_MESSAGE_CHARS } from '../../stores/composer.ts';

const text = (element: Element) => element.textContent?.replace(/\s+/g, ' ').trim() ?? '';
let config: BrowserTestConfig;
const mounted: ChorusChat[] = [];

/** An inline chat of a room nobody has opened yet (the server creates it, untitled). */
async function joinNewRoom(): Promise<{ chat: ChorusChat; room: string }> {
  const room = `kbd-${Math.floor(Math.random() * 90_000) + 10_000}`;
  const chat = document.createElement('chorus-chat');
  chat.setAttribute('room', room);
  chat.setAttribute('server', config.url);
  chat.setAttribute('mode', 'inline');
  chat.setAttribute('name', 'Ada');
  chat.setAttribute('theme', 'light');
  chat.style.setProperty('--chorus-height', '560px');
  const ready = new Promise((resolve) =>
    chat.addEventListener('chorus-ready', resolve, { once: true }),
  );
  document.body.append(chat);
  mounted.push(chat);
  await ready;
  await settle(chat);
  return { chat, room };
}

describe('the first minute against the real server', function () {
  this.timeout(30_000);

  before(async () => {
    const response = await fetch('/__chorus/test-config.json');
    config = (await response.json()) as BrowserTestConfig;
  });

  afterEach(() => {
    for (const chat of mounted.splice(0)) chat.remove();
  });

  it('titles a new room “Chat”, introduces the server’s agents as AIs, and has no axe violations', async () => {
    const { chat } = await joinNewRoom();
    expect(text(get(chat, '[part="title"]'))).to.equal('Chat');
    const agents = findAll(chat, '.agents li').map(text);
    expect(agents).to.include(
      'Critic AI Skeptical reviewer who finds the risks, weak assumptions and missing pieces in a plan, and suggests fixes.',
    );
    for (const name of ['Sage', 'Scout', 'Critic'])
      expect(agents.some((line) => line.startsWith(`${name} AI `))).to.equal(true, name);
    expect(await axeViolations(chat)).to.deep.equal([]);
  });

  it('keeps a draft over the server’s limit in the field, unsent, and sends it once it fits', async () => {
    const { chat } = await joinNewRoom();
    const textarea = get<HTMLTextAreaElement>(chat, 'textarea');
    textarea.focus();
    textarea.value = 'y'.repeat(MAX_MESSAGE_CHARS);
    textarea.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
    await sendKeys({ type: 'z' });
    await sendKeys({ press: 'Enter' });
    await settle(chat);
    expect(textarea.value).to.have.length(MAX_MESSAGE_CHARS + 1);
    expect(text(get(chat, '[part="counter"]'))).to.equal('Characters over the limit: 1');
    expect(findAll(chat, '[part~="message"]')).to.deep.equal([]);
    await sendKeys({ press: 'Backspace' });
    await sendKeys({ press: 'Enter' });
    const deadline = performance.now() + 10_000;
    // Stored: the own bubble is there without a status line ("Sending…", "Not sent").
    const stored = () => {
      const own = find(chat, '[part~="message--own"]');
      return own !== null && own.querySelector('[part="message__status"]') === null;
    };
    while (!stored()) {
      if (performance.now() > deadline) throw new Error('the message was not stored');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const own = get(chat, '[part~="message--own"] [part="message__content"]');
    expect(text(own)).to.have.length(MAX_MESSAGE_CHARS); // the server took exactly the limit
    expect(textarea.value).to.equal('');
  });
});
