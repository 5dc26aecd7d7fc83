/// <reference types="mocha" />
// <chorus-chat> in real Chromium with a stub room connection (no server): launcher and inline
// modes, focus management, unread badge, events, banner, typing, i18n, and axe in both themes.
import { sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import { FR } from '../../i18n/fr.ts';
import { forgetLanguagePacks } from '../../i18n/strings.ts';
import { ChorusError } from '../../lib/chorus-error.ts';
import { axeViolations } from '../../test-support/axe.ts';
import {
  agentMessage,
  GRACE,
  humanMessage,
  messageStart,
  SAGE,
} from '../../../protocol/test-support/messages.ts';
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

describe('<chorus-chat>', () => {
  afterEach(() => unmountAll());

  describe('launcher mode', () => {
    it('lazy: joins its room only when first opened, once', async () => {
      const stub = new StubConnection();
      const chat = await mountChat(stub, { attributes: { lazy: '' } });
      expect(stub.connects).to.equal(0);
      expect(get(chat, '[part="launcher"]').getAttribute('aria-label')).to.equal('Open chat');

      chat.open();
      await settle(chat);
      expect(stub.connects).to.equal(1);
      chat.close();
      chat.open();
      await settle(chat);
      expect(stub.connects).to.equal(1);
    });

    it('lazy: a send() while closed joins the room and posts', async () => {
      const stub = new StubConnection();
      const chat = await mountChat(stub, { attributes: { lazy: '' } });
      expect(await chat.send('Hello')).to.equal(true);
      expect(stub.connects).to.equal(1);
      expect(stub.posts.map((post) => post.content)).to.deep.equal(['Hello']);
      expect(chat.isOpen).to.equal(false);
    });

    it('lazy applies to launchers only: an inline chat joins at once', async () => {
      const stub = new StubConnection();
      await mountChat(stub, { mode: 'inline', attributes: { lazy: '' } });
      expect(stub.connects).to.equal(1);
    });

    it('opens from the bubble with focus in the message field, and Escape closes it with focus back on the bubble', async () => {
      const chat = await mountChat(StubConnection.open());
      const launcher = get<HTMLButtonElement>(chat, '[part="launcher"]');
      expect(launcher.getAttribute('aria-expanded')).to.equal('false');
      expect(launcher.getAttribute('aria-label')).to.equal('Open chat');
      expect(find(chat, '[part="panel"]')).to.equal(null);

      launcher.focus();
      await sendKeys({ press: 'Enter' });
      await settle(chat);
      expect(chat.isOpen).to.equal(true);
      expect(chat.hasAttribute('open')).to.equal(true);
      const panel = get(chat, '[part="panel"]');
      expect(panel.localName).to.equal('dialog');
      expect(panel.getAttribute('aria-label')).to.equal('Lobby');
      expect(launcher.getAttribute('aria-expanded')).to.equal('true');
      await until(() => expect(deepActiveElement()?.localName).to.equal('textarea'));

      await sendKeys({ press: 'Escape' });
      await settle(chat);
      expect(chat.isOpen).to.equal(false);
      expect(find(chat, '[part="panel"]')).to.equal(null);
      expect(deepActiveElement()).to.equal(launcher);
    });

    it('has open(), close() and toggle(), and a close button in the header', async () => {
      const chat = await mountChat(StubConnection.open());
      chat.open();
      await settle(chat);
      expect(find(chat, '[part="panel"]')).to.not.equal(null);
      get<HTMLButtonElement>(chat, '[part="close-button"]').click();
      await settle(chat);
      expect(chat.isOpen).to.equal(false);
      expect(deepActiveElement()).to.equal(get(chat, '[part="launcher"]'));
      chat.toggle();
      await settle(chat);
      expect(chat.isOpen).to.equal(true);
      chat.close();
      await settle(chat);
      expect(find(chat, '[part="panel"]')).to.equal(null);
    });

    it('counts unread messages while closed, on the badge and in chorus-unread, and clears them on open', async () => {
      const stub = StubConnection.open();
      const chat = await mountChat(stub);
      const counts: number[] = [];
      chat.addEventListener('chorus-unread', (event) => counts.push(event.detail.count));
      stub.deliver('message', {
        message: humanMessage({ id: 'h1', author: GRACE, content: 'Anyone here?' }),
      });
      stub.deliver('message', {
        message: humanMessage({ id: 'h2', author: GRACE, content: 'Hello?' }),
      });
      await settle(chat);
      expect(get(chat, '[part="unread-badge"]').textContent?.trim()).to.equal('2');
      expect(get(chat, '[part="launcher"]').getAttribute('aria-label')).to.equal(
        'Open chat, 2 unread',
      );
      chat.open();
      await settle(chat);
      expect(find(chat, '[part="unread-badge"]')).to.equal(null);
      expect(counts).to.deep.equal([1, 2, 0]);
    });
  });

  describe('inline mode', () => {
    it('shows the panel as a region in the element, with title and who is here, and no launcher', async () => {
      const stub = StubConnection.open();
      const chat = await mountChat(stub, { mode: 'inline' });
      expect(find(chat, '[part="launcher"]')).to.equal(null);
      const panel = get(chat, '[part="panel"]');
      expect(panel.getAttribute('role')).to.equal('region');
      expect(panel.getBoundingClientRect().height).to.be.greaterThan(400);
      expect(get(chat, '[part="title"]').textContent).to.equal('Lobby');
      stub.setPresence([
        { kind: 'human', id: 'guest:ada', name: 'Ada' },
        { kind: 'human', id: 'guest:grace', name: 'Grace' },
        { kind: 'agent', id: 'scout', name: 'Scout', status: 'thinking' },
      ]);
      stub.deliver('message-start', messageStart(agentMessage({ id: 'r1', author: SAGE })));
      await settle(chat);
      const presence = get(chat, '[part="presence"]');
      expect(presence.getAttribute('aria-label')).to.equal('In this room');
      const items = [...presence.querySelectorAll('li')].map((item) =>
        item.textContent?.replace(/\s+/g, ' ').trim(),
      );
      expect(items).to.deep.equal([
        'Sage writing…',
        'Scout thinking…',
        'Muse available',
        'Ada (you)',
        'Grace',
      ]);
      expect(find(chat, '[part="close-button"]')).to.equal(null);
    });

    it('hides the header with no-header', async () => {
      const chat = await mountChat(StubConnection.open(), {
        mode: 'inline',
        attributes: { 'no-header': '' },
      });
      expect(find(chat, 'chorus-chat-header')).to.equal(null);
    });
  });

  it('fires typed, bubbling, composed events for the host page', async () => {
    const stub = new StubConnection();
    const seen: string[] = [];
    const record = (event: Event) => seen.push(event.type);
    for (const type of [
      'chorus-ready',
      'chorus-message',
      'chorus-agent-start',
      'chorus-agent-end',
      'chorus-error',
    ] as const)
      document.addEventListener(type, record);
    try {
      const chat = await mountChat(stub, { mode: 'inline' });
      const reply = agentMessage({ id: 'r1', author: SAGE });
      stub.deliver('message-start', messageStart(reply));
      stub.deliver('message-end', {
        message: { ...reply, status: 'complete', content: 'Hi', seq: 1 },
      });
      stub.fail(new ChorusError('rate_limited', 'Too many messages', { status: 429 }));
      await settle(chat);
      expect(seen).to.deep.equal([
        'chorus-ready',
        'chorus-agent-start',
        'chorus-message',
        'chorus-agent-end',
        'chorus-error',
      ]);
    } finally {
      for (const type of [
        'chorus-ready',
        'chorus-message',
        'chorus-agent-start',
        'chorus-agent-end',
        'chorus-error',
      ] as const)
        document.removeEventListener(type, record);
    }
  });

  it('sends through send(), and renames through setUser()', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { mode: 'inline' });
    expect(await chat.send('Hello from the host')).to.equal(true);
    await chat.setUser({ name: 'Ada Lovelace' });
    expect(stub.posts.map((post) => post.content)).to.deep.equal(['Hello from the host']);
    expect(stub.users).to.deep.equal([{ name: 'Ada Lovelace' }]);
  });

  it('renames when the name attribute changes', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { mode: 'inline', attributes: { name: 'Ada' } });
    chat.setAttribute('name', 'Ada L.');
    await settle(chat);
    expect(stub.users).to.deep.equal([{ name: 'Ada L.' }]);
  });

  it('survives being moved in the page, and leaves the room only when removed for good', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { mode: 'inline' });
    const box = document.createElement('div');
    document.body.append(box);
    box.append(chat); // a move: disconnected and connected in one task
    await settle(chat);
    expect(stub.connects).to.equal(1);
    chat.remove();
    await new Promise((resolve) => setTimeout(resolve, 10));
    document.body.append(chat); // back later: it joins again
    await settle(chat);
    expect(stub.connects).to.equal(2);
    expect(find(chat, '[part="panel"]')).to.not.equal(null);
    box.remove();
  });

  it('shows a connection banner while reconnecting, with Retry now', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { mode: 'inline' });
    expect(find(chat, '[part="banner"]')).to.equal(null);
    stub.setState({ status: 'reconnecting', attempt: 2 });
    await settle(chat);
    const banner = get(chat, '[part="banner"]');
    expect(banner.getAttribute('role')).to.equal('status');
    expect(banner.textContent).to.contain('Reconnecting');
    banner.querySelector('button')?.click();
    expect(stub.reconnects).to.equal(1);
    stub.setState({
      status: 'error',
      attempt: 2,
      error: new ChorusError('identity_required', 'This room needs a signed-in user', {
        status: 403,
      }),
    });
    await settle(chat);
    expect(get(chat, '[part="banner"]').getAttribute('role')).to.equal('alert');
    expect(get(chat, '[part="banner"]').textContent).to.contain('This room needs a signed-in user');
    stub.setState({ status: 'open', attempt: 0 });
    await settle(chat);
    expect(find(chat, '[part="banner"]')).to.equal(null);
  });

  it('says so when a stop or regenerate fails', async () => {
    const failed = {
      ...agentMessage({ id: 'r1', author: SAGE }),
      status: 'complete' as const,
      content: 'Done',
    };
    const stub = StubConnection.open([failed]);
    stub.regenerate = () =>
      Promise.reject(
        new ChorusError('still_streaming', 'This reply is still streaming; stop it first', {
          status: 409,
        }),
      );
    const chat = await mountChat(stub, { mode: 'inline' });
    get<HTMLButtonElement>(chat, 'button[aria-label="Regenerate the reply of Sage"]').click();
    await until(() =>
      expect(find(chat, '[part="banner"]')?.textContent?.trim()).to.equal(
        'That did not work: This reply is still streaming; stop it first',
      ),
    );
    expect(get(chat, '[part="banner"]').getAttribute('role')).to.equal('alert');
  });

  it('shows who is typing, and the indicator expires', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { mode: 'inline' });
    stub.deliver('typing', { participantId: 'guest:grace', name: 'Grace', typing: true });
    stub.deliver('typing', { participantId: 'guest:linus', name: 'Linus', typing: true });
    await settle(chat);
    expect(get(chat, '[part="typing"]').textContent?.trim()).to.equal(
      'Grace and Linus are typing…',
    );
    stub.deliver('typing', { participantId: 'guest:linus', name: 'Linus', typing: false });
    await settle(chat);
    expect(get(chat, '[part="typing"]').textContent?.trim()).to.equal('Grace is typing…');
    await until(() => expect(get(chat, '[part="typing"]').textContent?.trim()).to.equal(''), 7_000);
  });

  describe('languages', () => {
    const realFetch = window.fetch;
    const packUrl = `${location.origin}/chorus-i18n/fr.json`;
    /** Serves the French pack (as JSON, from the TypeScript dictionary) once `release()` is called. */
    function serveFrench(status = 200) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const requested: string[] = [];
      window.fetch = async (input) => {
        requested.push(String(input));
        await released;
        return status === 200
          ? new Response(JSON.stringify(FR), { headers: { 'content-type': 'application/json' } })
          : new Response('Not Found', { status });
      };
      return { release, requested };
    }

    beforeEach(() => forgetLanguagePacks());
    afterEach(() => {
      window.fetch = realFetch;
      document.documentElement.lang = 'en';
    });

    it('on a French page, shows nothing until the French pack is in, then French (never English first)', async () => {
      document.documentElement.lang = 'fr';
      const pack = serveFrench();
      const chat = document.createElement('chorus-chat');
      chat.connection = StubConnection.open();
      chat.mode = 'inline';
      document.body.append(chat);
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(pack.requested).to.deep.equal([packUrl]);
        expect(chat.hasUpdated).to.equal(false);
        expect(find(chat, 'textarea')).to.equal(null);
        pack.release();
        await settle(chat);
        expect(get(chat, 'textarea').getAttribute('placeholder')).to.equal(
          'Écrire au salon (@ pour mentionner un agent)',
        );
      } finally {
        chat.remove();
      }
    });

    it('speaks the locale attribute over the page’s language, and takes string overrides on top', async () => {
      serveFrench().release();
      const chat = await mountChat(StubConnection.open(), { mode: 'inline', locale: 'fr-CA' });
      expect(get(chat, 'textarea').getAttribute('placeholder')).to.equal(
        'Écrire au salon (@ pour mentionner un agent)',
      );
      chat.strings = { send: 'Go' };
      await settle(chat);
      expect(get(chat, '[part="send-button"]').getAttribute('aria-label')).to.equal('Go');
      expect(get(chat, 'textarea').getAttribute('aria-label')).to.equal('Message');
      chat.locale = 'en-GB';
      await settle(chat);
      expect(get(chat, 'textarea').getAttribute('placeholder')).to.equal(
        'Message the room (@ to mention an agent)',
      );
    });

    it('falls back to English, with one console warning, when the pack cannot be loaded', async () => {
      const warnings: unknown[][] = [];
      const realWarn = console.warn;
      console.warn = (...args: unknown[]) => warnings.push(args);
      try {
        serveFrench(404).release();
        const chat = await mountChat(StubConnection.open(), { mode: 'inline', locale: 'fr' });
        const second = await mountChat(StubConnection.open(), { mode: 'inline', locale: 'fr' });
        expect(get(chat, 'textarea').getAttribute('placeholder')).to.equal(
          'Message the room (@ to mention an agent)',
        );
        expect(get(second, '[part="send-button"]').getAttribute('aria-label')).to.equal('Send');
        expect(warnings.length).to.equal(1);
        expect(String(warnings[0]?.[0])).to.contain(
          'chorus-i18n/fr.json could not be loaded (Error: HTTP 404); the chat is in English',
        );
      } finally {
        console.warn = realWarn;
      }
    });
  });

  it('sets agent colours through the CSSOM (allowed under a strict CSP), and only safe ones', async () => {
    const stub = StubConnection.open([
      { ...agentMessage({ id: 'r1', author: SAGE }), status: 'complete', content: 'Hi' },
    ]);
    const chat = await mountChat(stub, { mode: 'inline' });
    expect(
      get(chat, 'article[data-id="r1"]').style.getPropertyValue('--chorus-author-color'),
    ).to.equal('light-dark(#7c3aed, #a375f2)');
    expect(
      findAll(chat, '[part="presence"] li').map((item) =>
        item.style.getPropertyValue('--chorus-author-color'),
      ),
    ).to.deep.equal([
      'light-dark(#7c3aed, #a375f2)',
      'light-dark(#0e7490, #4a97ac)',
      'light-dark(#be185d, #d56996)',
      '',
    ]);
  });

  it('lets the page style inner parts through chorus-chat::part() and theme it with --chorus-* properties', async () => {
    const style = document.createElement('style');
    style.textContent = `
      chorus-chat.branded { --chorus-accent: rgb(1, 2, 3); --chorus-font-family: serif; }
      chorus-chat.branded::part(header) { text-transform: uppercase; }
      chorus-chat.branded::part(message) { letter-spacing: 3px; }
      chorus-chat.branded::part(send-button) { border-radius: 0px; }
      chorus-chat.branded::part(md-code) { font-weight: 700; }`;
    document.head.append(style);
    try {
      const stub = StubConnection.open([
        humanMessage({ id: 'h1', author: GRACE, content: 'Try `npm start`' }),
      ]);
      const chat = await mountChat(stub, { mode: 'inline', attributes: { class: 'branded' } });
      expect(getComputedStyle(get(chat, '[part="header"]')).textTransform).to.equal('uppercase');
      expect(getComputedStyle(get(chat, 'article[data-id="h1"]')).letterSpacing).to.equal('3px');
      expect(getComputedStyle(get(chat, '[part="send-button"]')).borderRadius).to.equal('0px');
      expect(getComputedStyle(get(chat, '[part="send-button"]')).backgroundColor).to.equal(
        'rgb(1, 2, 3)',
      );
      expect(getComputedStyle(get(chat, 'code')).fontWeight).to.equal('700');
      expect(getComputedStyle(get(chat, '[part="panel"]')).fontFamily).to.equal('serif');
    } finally {
      style.remove();
    }
  });

  describe('accessibility (axe-core)', () => {
    const transcript = [
      humanMessage({ id: 'h1', author: GRACE, content: 'Can someone **summarise** the plan?' }),
      {
        ...agentMessage({ id: 'r1', author: SAGE, replyTo: 'h1' }),
        status: 'complete' as const,
        content: 'Sure:\n\n- one\n- two',
        parts: [{ type: 'reasoning' as const, text: 'Thinking' }],
      },
      {
        ...agentMessage({ id: 'r2', author: SAGE, replyTo: 'h1', reason: 'all' }),
        status: 'error' as const,
        content: 'Partial',
        error: 'provider failed',
      },
    ];
    for (const theme of ['light', 'dark'] as const) {
      it(`has no violations in launcher mode, closed and open (${theme})`, async () => {
        const stub = StubConnection.open(transcript);
        const chat = await mountChat(stub, { theme });
        stub.deliver('message', {
          message: humanMessage({ id: 'h9', author: GRACE, content: 'ping' }),
        });
        await settle(chat);
        expect(await axeViolations(chat)).to.deep.equal([]);
        chat.open();
        stub.deliver('message-start', messageStart(agentMessage({ id: 'r3', author: SAGE })));
        stub.deliver('text-delta', { id: 'r3', seq: 1, delta: 'Streaming…' });
        await settle(chat);
        expect(await axeViolations(chat)).to.deep.equal([]);
      });

      it(`has no violations in inline mode, with the mention menu open (${theme})`, async () => {
        const stub = StubConnection.open(transcript);
        const chat = await mountChat(stub, { mode: 'inline', theme });
        stub.setState({ status: 'reconnecting', attempt: 1 });
        get(chat, 'textarea').focus();
        await sendKeys({ type: '@s' });
        await settle(chat);
        expect(get(chat, '[part="mention-list"]').hidden).to.equal(false);
        expect(await axeViolations(chat)).to.deep.equal([]);
      });
    }
  });
});
