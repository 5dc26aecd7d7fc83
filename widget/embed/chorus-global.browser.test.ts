/// <reference types="mocha" />
// The script-tag entry's logic in real Chromium: options from data-*, the server URL from src,
// deduplicated mounting (launcher, inline, a target that appears later), and the command queue.
import { expect } from 'chai';
import '../test-support/process-shim.ts';
import '../define.ts';
import type { ChorusChat } from '../components/chat/chat.ts';
import { settle, until } from '../test-support/mount-chat.ts';
import { StubConnection } from '../test-support/stub-connection.ts';
import {
  createChorusGlobal,
  mount,
  optionsFromScript,
  serverOf,
  type ChorusCommand,
  type ChorusGlobal,
} from './chorus-global.ts';
import { conversationMarkerKey, writeConversationMarker } from './conversation-marker.ts';

const realFetch = window.fetch;
const cleanup: Element[] = [];

function script(attributes: Record<string, string>): HTMLScriptElement {
  const element = document.createElement('script');
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

/** The URLs the page fetches from now on (still answered by the fetch in place). */
function recordFetches(): string[] {
  const calls: string[] = [];
  const answer = window.fetch;
  window.fetch = async (input, init) => {
    calls.push(String(input));
    return answer(input, init);
  };
  return calls;
}

describe('the script-tag entry', () => {
  beforeEach(() => {
    // Chats mounted here connect for real: answer every call with a 503 so nothing leaves the page.
    window.fetch = async () =>
      new Response(JSON.stringify({ error: { code: 'unavailable', message: 'test' } }), {
        status: 503,
        headers: { 'content-type': 'application/json' },
      });
  });
  afterEach(() => {
    window.fetch = realFetch;
    for (const element of cleanup.splice(0)) element.remove();
    for (const chat of document.querySelectorAll('chorus-chat')) chat.remove();
  });

  it('reads its options from the data-* attributes of its script tag', () => {
    const options = optionsFromScript(
      script({
        src: 'https://chat.example.com/widget/chorus.js?v=3',
        'data-room': 'support',
        'data-name': 'Ada',
        'data-mode': 'inline',
        'data-target': '#chat',
        'data-theme': 'dark',
        'data-locale': 'fr',
        'data-open': '',
        'data-no-header': 'true',
        'data-allowed-image-hosts': 'img.example.com, cdn.example.com',
        'data-nonce': 'n0nce',
      }),
    );
    expect(options).to.deep.equal({
      room: 'support',
      server: 'https://chat.example.com/widget',
      name: 'Ada',
      mode: 'inline',
      theme: 'dark',
      locale: 'fr',
      target: '#chat',
      open: true,
      allowedImageHosts: ['img.example.com', 'cdn.example.com'],
      noHeader: true,
      nonce: 'n0nce',
    });
    expect(optionsFromScript(script({ src: '/chorus.js' }))).to.equal(null);
    expect(
      optionsFromScript(
        script({
          src: 'https://a.example/chorus.js',
          'data-room': 'x',
          'data-server': 'https://api.example',
        }),
      )?.server,
    ).to.equal('https://api.example');
  });

  it('derives the server from the script URL', () => {
    expect(serverOf('https://chat.example.com/chorus.js')).to.equal('https://chat.example.com');
    expect(serverOf('https://example.com/chat/chorus.js?x=1#y')).to.equal(
      'https://example.com/chat',
    );
  });

  it('mounts a launcher once, however often it is asked to', async () => {
    const first = await mount({ room: 'lobby', server: 'https://chat.example.com' });
    const second = await mount({ room: 'lobby', server: 'https://chat.example.com' });
    expect(second).to.equal(first);
    expect(document.querySelectorAll('chorus-chat')).to.have.length(1);
    expect(first?.parentElement).to.equal(document.body);
    expect(first?.mode).to.equal('launcher');
    expect(first?.getAttribute('room')).to.equal('lobby');
  });

  it('mounts inline into a target that a single-page app renders later, replacing its placeholder', async () => {
    const mounting = mount({
      room: 'lobby',
      server: 'https://chat.example.com',
      target: '#late-chat',
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const target = document.createElement('div');
    target.id = 'late-chat';
    target.textContent = 'Loading chat…';
    document.body.append(target);
    cleanup.push(target);
    const chat = await mounting;
    expect(chat?.parentElement).to.equal(target);
    expect(target.textContent).to.equal('');
    expect(chat?.mode).to.equal('inline');
  });

  it('configures a <chorus-chat> given as the target in place', async () => {
    const existing = document.createElement('chorus-chat');
    existing.connection = StubConnection.open();
    existing.id = 'mine';
    document.body.append(existing);
    const chat = await mount({ room: 'lobby', target: '#mine', theme: 'dark' });
    expect(chat).to.equal(existing);
    expect(existing.theme).to.equal('dark');
    expect(existing.mode).to.equal('inline');
  });

  it('runs queued commands in order once the chat exists, and later ones at once', async () => {
    const chorus = createChorusGlobal();
    const events: string[] = [];
    chorus.push(['open'], ['on', 'chorus-message', (event: Event) => events.push(event.type)]);
    const target = document.createElement('chorus-chat');
    target.connection = StubConnection.open();
    target.id = 'queued';
    document.body.append(target);
    chorus.push(['mount', { room: 'lobby', target: target }]);
    await until(() => expect(chorus.chat === target).to.equal(true));
    await until(() => expect(target.isOpen).to.equal(true));
    chorus.push(['toggle']);
    await until(() => expect(target.isOpen).to.equal(false));
    chorus.push(['setUser', { name: 'Grace' }], ['send', 'Hello']);
    const stub = target.connection as StubConnection;
    await until(() => expect(stub.posts.map((post) => post.content)).to.deep.equal(['Hello']));
    expect(stub.users).to.deep.equal([{ name: 'Grace' }]);
    stub.deliver('message', {
      message: {
        ...(await import('../../protocol/test-support/messages.ts')).humanMessage({
          id: 'x1',
          author: { kind: 'human', id: 'guest:z', name: 'Zed' },
        }),
      },
    });
    await settle(target as ChorusChat);
    expect(events).to.deep.equal(['chorus-message']);
    chorus.push(['destroy']);
    await until(() => expect(target.isConnected).to.equal(false));
    expect(chorus.loaded).to.equal(true);
    expect(chorus.version).to.match(/^\d+\.\d+\.\d+/);
  });

  it('a launcher mounted once the full widget runs connects nothing until it is opened', async () => {
    const calls = recordFetches();
    const chorus = createChorusGlobal();
    chorus.push(['mount', { room: 'late-launcher', server: 'https://chat.example.com' }]);
    await until(() => expect(chorus.chat?.lazy).to.equal(true));
    await settle(chorus.chat!);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).to.deep.equal([]);

    chorus.push(['open']);
    await until(() => expect(calls.some((url) => url.endsWith('/api/session'))).to.equal(true));
  });

  it('a lazy launcher whose visitor has a conversation there connects at once (its unread badge)', async () => {
    const calls = recordFetches();
    const server = 'https://chat.example.com';
    writeConversationMarker(server, 'returning', { seenAt: '2026-12-08T00:00:00.000Z' });
    try {
      const chorus = createChorusGlobal();
      chorus.push(['mount', { room: 'returning', server }]);
      await until(() => expect(calls.some((url) => url.endsWith('/api/session'))).to.equal(true));
      expect(chorus.chat!.isOpen).to.equal(false);
    } finally {
      sessionStorage.removeItem(conversationMarkerKey(server, 'returning'));
    }
  });

  it('embed.ts: takes over the window.Chorus queue, and a second copy mounts nothing twice', async () => {
    const target = document.createElement('chorus-chat');
    target.connection = StubConnection.open();
    target.id = 'embedded';
    document.body.append(target);
    const window_ = window as Window;
    window_.Chorus = [['open'], ['mount', { room: 'lobby', target: '#embedded' }]];
    await import('../embed.ts');
    const chorus = window_.Chorus as ChorusGlobal | ChorusCommand[] | undefined;
    if (!chorus || Array.isArray(chorus)) throw new Error('window.Chorus was not replaced');
    expect(chorus.loaded).to.equal(true);
    await until(() => expect(target.getAttribute('room')).to.equal('lobby'));
    await until(() => expect(target.isOpen).to.equal(true));
    const secondCopy = '../embed.ts?second-copy';
    await import(/* @vite-ignore */ secondCopy);
    chorus.push(['mount', { room: 'lobby', target: '#embedded' }]);
    await settle(target as ChorusChat);
    expect(window_.Chorus).to.equal(chorus);
    expect(document.querySelectorAll('chorus-chat')).to.have.length(1);
    delete window_.Chorus;
  });
});
