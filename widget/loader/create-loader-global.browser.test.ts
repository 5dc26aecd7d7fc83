/// <reference types="mocha" />
// The loader (`chorus.js`) in real Chromium: the stand-in launcher, what makes it load the full
// widget (a click, `open`, an inline chat, a conversation), the busy state, a failed load and its
// retry, and the queue it hands over. Nothing is fetched before that.
import { expect } from 'chai';
import type { ChorusCommand } from '../embed/chorus-global.ts';
import { writeConversationMarker } from '../embed/conversation-marker.ts';
import { EN } from '../i18n/en.ts';
import { until } from '../test-support/until.ts';
import { createLoaderGlobal } from './create-loader-global.ts';

const SERVER = 'https://chat.example.com';
const STRINGS = {
  openChat: EN.openChat,
  loadingChat: EN.loadingChat,
  loadFailed: EN.loadFailed,
  retryNow: EN.retryNow,
};
const realFetch = window.fetch;
let fetches: string[] = [];
let scripts: string[] = [];
let loads = 0;
const observer = new MutationObserver((records) => {
  for (const record of records)
    for (const node of record.addedNodes)
      if (node instanceof HTMLScriptElement && node.src) scripts.push(node.src);
});

interface HandOver {
  server: string;
  commands: ChorusCommand[];
  pushed: ChorusCommand[];
}
const handedOver = () => (window as unknown as { chorusHandOver?: HandOver }).chorusHandOver;

/** A loader as `chorus.js` sets it up, its widget the hand-over fixture (or a file that is missing). */
function loader(widget = 'hand-over-widget.ts') {
  loads += 1;
  const chorus = createLoaderGlobal({
    server: SERVER,
    widgetUrl: new URL(`../test-support/${widget}?load=${loads}`, import.meta.url).href,
    strings: STRINGS,
  });
  window.Chorus = chorus;
  return chorus;
}

const standIns = () => [...document.querySelectorAll('chorus-chat[data-chorus-stand-in]')];
const button = () =>
  standIns()[0]?.shadowRoot?.querySelector<HTMLButtonElement>('[part~="launcher"]') ?? null;

describe('the loader', () => {
  beforeEach(() => {
    fetches = [];
    scripts = [];
    window.fetch = async (input) => {
      fetches.push(String(input));
      return new Response('{}', { status: 503 });
    };
    observer.observe(document.head, { childList: true });
    delete (window as unknown as { chorusHandOver?: HandOver }).chorusHandOver;
    sessionStorage.clear();
  });
  afterEach(() => {
    window.fetch = realFetch;
    observer.disconnect();
    for (const element of standIns()) element.remove();
    delete window.Chorus;
  });

  it('shows a launcher for a launcher mount, once per configuration, and loads nothing', async () => {
    const chorus = loader();
    const options = { room: 'support', server: SERVER };
    chorus.push(['mount', options], ['setUser', { name: 'Ada' }], ['mount', { ...options }]);
    await until(() => expect(button()).to.not.equal(null));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(standIns()).to.have.length(1);
    expect(button()!.getAttribute('aria-label')).to.equal('Open chat');
    expect(button()!.getAttribute('aria-expanded')).to.equal('false');
    // The launcher's own stylesheets, adopted: nothing an inline-style CSP would block.
    expect(standIns()[0]!.shadowRoot!.adoptedStyleSheets.length).to.be.greaterThan(0);
    expect(standIns()[0]!.shadowRoot!.querySelector('[style]')).to.equal(null);
    expect(getComputedStyle(button()!).position).to.equal('fixed');
    expect(scripts).to.deep.equal([]);
    expect(fetches).to.deep.equal([]);
  });

  it('loads the widget on the first click, busy meanwhile, and hands it the queue (mounts first)', async () => {
    const chorus = loader();
    chorus.push(['setUser', { name: 'Ada' }], ['mount', { room: 'support' }]);
    await until(() => expect(button()).to.not.equal(null));
    button()!.click();
    expect(button()!.getAttribute('aria-busy')).to.equal('true');
    expect(button()!.getAttribute('aria-label')).to.equal('Loading chat…');
    await until(() => expect(handedOver()).to.not.equal(undefined));
    expect(scripts).to.have.length(1);
    expect(handedOver()!.server).to.equal(SERVER);
    expect(handedOver()!.commands).to.deep.equal([
      ['mount', { room: 'support' }],
      ['setUser', { name: 'Ada' }],
      ['open'],
    ]);
    // From now on the widget gets every push.
    chorus.push(['close']);
    expect(handedOver()!.pushed).to.deep.equal([['close']]);
    expect(fetches).to.deep.equal([]);
  });

  it('says so when the widget cannot load, and tries again on Retry', async () => {
    const chorus = loader('missing-widget.js');
    chorus.push(['mount', { room: 'support' }]);
    await until(() => expect(button()).to.not.equal(null));
    chorus.push(['open']);
    const alert = () => standIns()[0]!.shadowRoot!.querySelector('[role="alert"]');
    await until(() => expect(alert()).to.not.equal(null));
    expect(alert()!.textContent).to.include('The chat could not be loaded.');
    expect(button()!.hasAttribute('aria-busy')).to.equal(false);
    expect(button()!.getAttribute('aria-label')).to.equal('Open chat');
    alert()!.querySelector('button')!.click();
    expect(button()!.getAttribute('aria-busy')).to.equal('true');
    await until(() => expect(scripts).to.have.length(2));
    await until(() => expect(alert()).to.not.equal(null));
  });

  it('loads at once for an inline chat, and for a launcher whose visitor has a conversation', async () => {
    loader().push(['mount', { room: 'support', target: '#chat' }]);
    await until(() => expect(handedOver()).to.not.equal(undefined));
    expect(standIns()).to.have.length(0);

    delete (window as unknown as { chorusHandOver?: HandOver }).chorusHandOver;
    writeConversationMarker(SERVER, 'support', { seenAt: new Date().toISOString() });
    loader().push(['mount', { room: 'support' }]);
    await until(() => expect(handedOver()).to.not.equal(undefined));
    expect(handedOver()!.commands).to.deep.equal([['mount', { room: 'support' }]]);
    // No visitor asked: the launcher is not busy.
    expect(button()?.hasAttribute('aria-busy') ?? false).to.equal(false);
  });
});
