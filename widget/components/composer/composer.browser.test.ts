/// <reference types="mocha" />
// The message field in real Chromium, driven by real key presses only.
import { sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import {
  deepActiveElement,
  find,
  findAll,
  get,
  mountChat,
  settle,
  unmountAll,
  until,
} from '../../test-support/mount-chat.ts';
import { StubConnection } from '../../test-support/stub-connection.ts';
import { MAX_MESSAGE_CHARS } from '../../stores/composer.ts';

async function focusedComposer(stub = StubConnection.open()) {
  const chat = await mountChat(stub, { mode: 'inline' });
  const textarea = get<HTMLTextAreaElement>(chat, 'textarea');
  textarea.focus();
  return { chat, stub, textarea };
}

describe('<chorus-composer>', () => {
  afterEach(() => unmountAll());

  it('sends on Enter, inserts a new line on Shift+Enter, and clears the field', async () => {
    const { chat, stub, textarea } = await focusedComposer();
    await sendKeys({ type: 'First line' });
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await sendKeys({ type: 'second line' });
    expect(textarea.value).to.equal('First line\nsecond line');
    await sendKeys({ press: 'Enter' });
    await until(() =>
      expect(stub.posts.map((post) => post.content)).to.deep.equal(['First line\nsecond line']),
    );
    await settle(chat);
    expect(textarea.value).to.equal('');
    expect(deepActiveElement()).to.equal(textarea);
    await sendKeys({ press: 'Enter' });
    expect(stub.posts).to.have.length(1); // a blank field sends nothing
  });

  it('mints a UUID per message', async () => {
    const { stub } = await focusedComposer();
    await sendKeys({ type: 'one' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ type: 'two' });
    await sendKeys({ press: 'Enter' });
    await until(() => expect(stub.posts).to.have.length(2));
    for (const post of stub.posts)
      expect(post.id).to.match(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    expect(stub.posts[0]!.id).to.not.equal(stub.posts[1]!.id);
  });

  it('autocompletes @mentions from the keyboard alone: arrows, Enter or Tab to pick, Escape to close', async () => {
    const { chat, stub, textarea } = await focusedComposer();
    const combobox = get(chat, '[role="combobox"]');
    const listbox = get(chat, '[role="listbox"]');
    expect(combobox.getAttribute('aria-expanded')).to.equal('false');
    expect(combobox.getAttribute('aria-controls')).to.equal(listbox.id);

    await sendKeys({ type: 'Hi @' });
    await settle(chat);
    expect(combobox.getAttribute('aria-expanded')).to.equal('true');
    expect(listbox.hidden).to.equal(false);
    const options = () => findAll(chat, '[role="option"]');
    expect(
      options().map((option) => option.textContent?.replace(/\s+/g, ' ').trim()),
    ).to.deep.equal(['@sage Sage', '@scout Scout', '@muse Muse', '@all every agent']);
    expect(textarea.getAttribute('aria-activedescendant')).to.equal('mention-0');

    await sendKeys({ press: 'ArrowDown' });
    await settle(chat);
    expect(textarea.getAttribute('aria-activedescendant')).to.equal('mention-1');
    expect(options()[1]!.getAttribute('aria-selected')).to.equal('true');
    await sendKeys({ press: 'ArrowUp' });
    await sendKeys({ press: 'ArrowUp' });
    await settle(chat);
    expect(textarea.getAttribute('aria-activedescendant')).to.equal('mention-3'); // wrapped to @all
    await sendKeys({ press: 'ArrowUp' });
    await settle(chat);
    expect(textarea.getAttribute('aria-activedescendant')).to.equal('mention-2');

    await sendKeys({ press: 'Enter' });
    await settle(chat);
    expect(textarea.value).to.equal('Hi @muse ');
    expect(textarea.selectionStart).to.equal(9);
    expect(combobox.getAttribute('aria-expanded')).to.equal('false');
    expect(textarea.hasAttribute('aria-activedescendant')).to.equal(false);
    expect(stub.posts).to.deep.equal([]); // Enter picked, it did not send

    await sendKeys({ type: 'and @sc' });
    await settle(chat);
    expect(
      options().map((option) => option.textContent?.replace(/\s+/g, ' ').trim()),
    ).to.deep.equal(['@scout Scout']);
    await sendKeys({ press: 'Tab' });
    await settle(chat);
    expect(textarea.value).to.equal('Hi @muse and @scout ');
    expect(deepActiveElement()).to.equal(textarea);

    await sendKeys({ type: '@s' });
    await settle(chat);
    expect(combobox.getAttribute('aria-expanded')).to.equal('true');
    await sendKeys({ press: 'Escape' });
    await settle(chat);
    expect(combobox.getAttribute('aria-expanded')).to.equal('false');
    await sendKeys({ type: 'a' });
    await settle(chat);
    expect(combobox.getAttribute('aria-expanded')).to.equal('false'); // stays closed for this mention

    await sendKeys({ press: 'Enter' });
    await until(() =>
      expect(stub.posts.map((post) => post.content)).to.deep.equal(['Hi @muse and @scout @sa']),
    );
  });

  it('keeps the launcher open when Escape only closes the mention menu', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { open: true });
    await settle(chat);
    get<HTMLTextAreaElement>(chat, 'textarea').focus();
    await sendKeys({ type: '@' });
    await settle(chat);
    await sendKeys({ press: 'Escape' });
    await settle(chat);
    expect(chat.isOpen).to.equal(true);
    await sendKeys({ press: 'Escape' });
    await settle(chat);
    expect(chat.isOpen).to.equal(false);
  });

  it('tells the room it is typing, throttled, and stops when the field is cleared', async () => {
    const { stub } = await focusedComposer();
    await sendKeys({ type: 'abc' });
    await sendKeys({ press: 'Backspace' });
    await sendKeys({ press: 'Backspace' });
    await sendKeys({ press: 'Backspace' });
    // One call per keystroke; the connection throttles what goes on the wire (room-client tests).
    expect(stub.typingSent).to.deep.equal([true, true, true, true, true, false]);
  });

  it('offers @all in the menu, and sends it for every agent to answer', async () => {
    const { chat, stub, textarea } = await focusedComposer();
    await sendKeys({ type: '@al' });
    await settle(chat);
    const options = findAll(chat, '[role="option"]');
    expect(options.map((option) => option.textContent?.replace(/\s+/g, ' ').trim())).to.deep.equal([
      '@all every agent',
    ]);
    await sendKeys({ press: 'Enter' });
    await settle(chat);
    expect(textarea.value).to.equal('@all ');
    await sendKeys({ type: 'hello' });
    await sendKeys({ press: 'Enter' });
    await until(() => expect(stub.posts.map((post) => post.content)).to.deep.equal(['@all hello']));
  });

  it('disables Send while the field is blank', async () => {
    const { chat } = await focusedComposer();
    const send = get<HTMLButtonElement>(chat, '[part="send-button"]');
    expect(send.disabled).to.equal(true);
    await sendKeys({ type: '  ' });
    await settle(chat);
    expect(send.disabled).to.equal(true);
    await sendKeys({ type: 'a' });
    await settle(chat);
    expect(send.disabled).to.equal(false);
  });

  it('counts down near the length limit, and keeps an over-long draft unsent until it fits', async () => {
    const { chat, stub, textarea } = await focusedComposer();
    const send = get<HTMLButtonElement>(chat, '[part="send-button"]');
    const counter = () => find(chat, '[part="counter"]')?.textContent?.trim() ?? null;
    // Most of the draft pasted at once (typing 8,000 keys would take minutes), the rest typed.
    textarea.value = 'x'.repeat(MAX_MESSAGE_CHARS - 1_000);
    textarea.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
    await settle(chat);
    expect(counter()).to.equal(null); // far from the limit: no counter
    textarea.value = 'x'.repeat(MAX_MESSAGE_CHARS - 2);
    textarea.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
    await settle(chat);
    expect(counter()).to.equal('Characters left: 2');
    expect(textarea.getAttribute('aria-describedby')).to.equal('counter');
    await sendKeys({ type: 'abcde' });
    await settle(chat);
    expect(counter()).to.equal('Characters over the limit: 3');
    expect(textarea.getAttribute('aria-invalid')).to.equal('true');
    expect(send.disabled).to.equal(true);
    await sendKeys({ press: 'Enter' });
    await settle(chat);
    expect(stub.posts).to.deep.equal([]);
    expect(textarea.value).to.have.length(MAX_MESSAGE_CHARS + 3); // kept, to be shortened
    for (let index = 0; index < 3; index++) await sendKeys({ press: 'Backspace' });
    await settle(chat);
    expect(counter()).to.equal('Characters left: 0');
    expect(send.disabled).to.equal(false);
    await sendKeys({ press: 'Enter' });
    await until(() =>
      expect(stub.posts.map((post) => post.content.length)).to.deep.equal([MAX_MESSAGE_CHARS]),
    );
    await settle(chat);
    expect(counter()).to.equal(null);
  });
});
