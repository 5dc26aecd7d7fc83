/// <reference types="mocha" />
// How <chorus-chat> looks on real pages, in real Chromium: the host page's inherited styles stop
// at the element, the launcher's panel fills a phone's screen as a modal dialog, the theme follows
// the page's color-scheme, and agent colours stay legible on both themes (docs/architecture.md §11).
import { emulateMedia, sendKeys, setViewport } from '@web/test-runner-commands';
import { expect } from 'chai';
import {
  agentMessage,
  GRACE,
  humanMessage,
  SAGE,
} from '../../../protocol/test-support/messages.ts';
import type { AgentInfo } from '../../room/api-types.ts';
import { AGENTS } from '../../test-support/agents.ts';
import { axeViolations } from '../../test-support/axe.ts';
import { CLEAN_INHERITED, HOSTILE_HOST_CSS } from '../../test-support/hostile-host.ts';
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

const DESKTOP = { width: 1000, height: 760 };

/** Adds a stylesheet to the page for one test; `afterEach` removes it. */
const pageStyles: HTMLStyleElement[] = [];
function addPageStyle(text: string): void {
  const style = document.createElement('style');
  style.textContent = text;
  document.head.append(style);
  pageStyles.push(style);
}

/** A CSS colour as sRGB 0–255 (through a canvas, which resolves any syntax the browser knows). */
function rgbOf(color: string): number[] {
  const context = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
  context.clearRect(0, 0, 1, 1);
  context.fillStyle = color;
  context.fillRect(0, 0, 1, 1);
  return [...context.getImageData(0, 0, 1, 1).data.slice(0, 3)];
}

function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r, g, b] = rgbOf(color).map((channel) => {
      const c = channel / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high! + 0.05) / (low! + 0.05);
}

describe('<chorus-chat> on the page', () => {
  beforeEach(() => setViewport(DESKTOP));
  afterEach(async () => {
    unmountAll();
    for (const style of pageStyles.splice(0)) style.remove();
    document.documentElement.style.colorScheme = '';
    await emulateMedia({ colorScheme: 'light' });
  });

  it('does not inherit the page’s text-transform, letter-spacing, font-style, white-space or cursor', async () => {
    addPageStyle(HOSTILE_HOST_CSS);
    const stub = StubConnection.open([
      humanMessage({ id: 'h1', author: GRACE, content: 'The price is 12 euros' }),
    ]);
    const chat = await mountChat(stub, { mode: 'inline' });
    // (The presence list is nowrap of its own: one line whatever it holds.)
    for (const element of [
      get(chat, '[part="md-paragraph"]'),
      get(chat, '[part~="message__content"]'),
    ]) {
      const style = getComputedStyle(element);
      for (const [property, value] of Object.entries(CLEAN_INHERITED))
        expect(style[property as keyof CSSStyleDeclaration], property).to.equal(value);
      expect(style.fontWeight).to.equal('400');
      expect(style.webkitTextFillColor).to.equal(style.color);
      expect(style.color).to.not.equal('rgb(255, 0, 255)');
    }
    expect(getComputedStyle(get(chat, 'textarea')).cursor).to.equal('text');
    expect(await axeViolations(chat)).to.deep.equal([]);
  });

  it('opens as a floating, non-modal panel on a desktop, with a 16px message field', async () => {
    const chat = await mountChat(StubConnection.open(), { open: true });
    const panel = get<HTMLDialogElement>(chat, '[part="panel"]');
    expect(panel.open).to.equal(true);
    expect(panel.matches(':modal')).to.equal(false);
    expect(panel.getBoundingClientRect().width).to.equal(380);
    expect(document.documentElement.style.overflow).to.equal('');
    expect(getComputedStyle(get(chat, 'textarea')).fontSize).to.equal('16px');
  });

  for (const [name, viewport] of [
    ['a phone upright', { width: 390, height: 844 }],
    ['a phone in landscape', { width: 844, height: 390 }],
  ] as const) {
    it(`fills the screen of ${name} as a modal dialog: the page neither scrolls nor gets focus`, async () => {
      await setViewport(viewport);
      // The page's own banner: the panel's header must not be a second one (axe).
      const banner = document.createElement('header');
      const before = banner.appendChild(document.createElement('button'));
      before.textContent = 'Page before';
      const after = document.createElement('button');
      after.textContent = 'Page after';
      document.body.prepend(banner);
      document.body.append(after);
      try {
        const chat = await mountChat(
          StubConnection.open([humanMessage({ id: 'h1', author: GRACE, content: 'Hi' })]),
        );
        get(chat, '[part="launcher"]').click();
        await settle(chat);
        const panel = get<HTMLDialogElement>(chat, '[part="panel"]');
        expect(panel.matches(':modal')).to.equal(true);
        const rect = panel.getBoundingClientRect();
        expect([rect.left, rect.top, rect.width, rect.height]).to.deep.equal([
          0,
          0,
          viewport.width,
          window.visualViewport!.height,
        ]);
        expect(document.documentElement.style.overflow).to.equal('hidden');
        await until(() => expect(deepActiveElement()?.localName).to.equal('textarea'));
        for (let press = 0; press < 12; press++) {
          await sendKeys({ press: 'Tab' });
          expect(document.activeElement).to.not.be.oneOf([before, after]);
        }
        await sendKeys({ down: 'Shift' });
        for (let press = 0; press < 12; press++) {
          await sendKeys({ press: 'Tab' });
          expect(document.activeElement).to.not.be.oneOf([before, after]);
        }
        await sendKeys({ up: 'Shift' });
        expect(await axeViolations(chat)).to.deep.equal([]);

        get<HTMLButtonElement>(chat, '[part="close-button"]').click();
        await settle(chat);
        expect(find(chat, '[part="panel"]')).to.equal(null);
        expect(document.documentElement.style.overflow).to.equal('');
        expect(deepActiveElement()).to.equal(get(chat, '[part="launcher"]'));
      } finally {
        banner.remove();
        after.remove();
      }
    });
  }

  it('becomes modal when the window turns narrow while open, and floating again', async () => {
    const chat = await mountChat(StubConnection.open(), { open: true });
    const panel = () => get<HTMLDialogElement>(chat, '[part="panel"]');
    expect(panel().matches(':modal')).to.equal(false);
    await setViewport({ width: 400, height: 700 });
    await until(() => expect(panel().matches(':modal')).to.equal(true));
    expect(document.documentElement.style.overflow).to.equal('hidden');
    await setViewport(DESKTOP);
    await until(() => expect(panel().matches(':modal')).to.equal(false));
    expect(panel().open).to.equal(true);
    expect(document.documentElement.style.overflow).to.equal('');
  });

  describe('theme', () => {
    const panelBackground = (chat: HTMLElement) =>
      getComputedStyle(get(chat, '[part="panel"]')).backgroundColor;
    const DARK_BG = 'rgb(21, 23, 28)';
    const LIGHT_BG = 'rgb(255, 255, 255)';

    it('auto follows the OS when the page declares no color-scheme', async () => {
      await emulateMedia({ colorScheme: 'dark' });
      const chat = await mountChat(StubConnection.open(), { mode: 'inline', theme: 'auto' });
      expect(panelBackground(chat)).to.equal(DARK_BG);
      await emulateMedia({ colorScheme: 'light' });
      await settle(chat);
      expect(panelBackground(chat)).to.equal(LIGHT_BG);
    });

    it('auto follows the page’s color-scheme when it declares one, over the OS', async () => {
      await emulateMedia({ colorScheme: 'light' });
      document.documentElement.style.colorScheme = 'dark';
      const dark = await mountChat(StubConnection.open(), { mode: 'inline', theme: 'auto' });
      expect(panelBackground(dark)).to.equal(DARK_BG);
      unmountAll();
      await emulateMedia({ colorScheme: 'dark' });
      document.documentElement.style.colorScheme = 'only light';
      const light = await mountChat(StubConnection.open(), { mode: 'inline', theme: 'auto' });
      expect(panelBackground(light)).to.equal(LIGHT_BG);
      unmountAll();
      // Both schemes: the page leaves the choice to the OS.
      document.documentElement.style.colorScheme = 'light dark';
      const both = await mountChat(StubConnection.open(), { theme: 'auto', open: true });
      expect(panelBackground(both)).to.equal(DARK_BG);
      expect(getComputedStyle(get(both, '[part="launcher"]')).backgroundColor).to.equal(
        'rgb(165, 180, 252)',
      );
    });

    it('an explicit theme wins over the page and the OS', async () => {
      await emulateMedia({ colorScheme: 'dark' });
      document.documentElement.style.colorScheme = 'dark';
      const chat = await mountChat(StubConnection.open(), { mode: 'inline', theme: 'light' });
      expect(panelBackground(chat)).to.equal(LIGHT_BG);
    });
  });

  describe('agent colours', () => {
    // The test room's agents, the shipped personas' colours, and a pale and a dark one.
    const agents: AgentInfo[] = [
      ...AGENTS,
      ...['#1d4ed8', '#b45309', '#0f766e', '#facc15', '#1e1b4b'].map((color, index) => ({
        ...AGENTS[0]!,
        id: `agent-${index}`,
        name: `Agent ${index}`,
        handle: `agent${index}`,
        color,
      })),
    ];

    for (const theme of ['light', 'dark'] as const) {
      it(`keep 3:1 for presence dots and 4.5:1 as text on the ${theme} panel and messages`, async () => {
        const messages = agents.map((agent, index) => ({
          ...agentMessage({
            id: `r${index}`,
            author: { ...SAGE, id: agent.id, name: agent.name },
          }),
          status: 'complete' as const,
          content: 'Hello',
        }));
        const stub = StubConnection.open(messages, {
          room: { title: 'Lobby', agents, settings: null },
        });
        const chat = await mountChat(stub, { mode: 'inline', theme });
        stub.setPresence(
          agents.map((agent, index) => ({
            kind: 'agent' as const,
            id: agent.id,
            name: agent.name,
            status: index % 2 ? ('idle' as const) : ('thinking' as const),
          })),
        );
        await settle(chat);
        const panel = getComputedStyle(get(chat, '[part="panel"]')).backgroundColor;
        const dots = findAll(chat, '[part="presence"] .agent .dot');
        expect(dots.length).to.equal(agents.length);
        for (const dot of dots) {
          const style = getComputedStyle(dot);
          const color =
            style.backgroundColor === 'rgba(0, 0, 0, 0)'
              ? style.borderTopColor
              : style.backgroundColor;
          expect(Number(style.opacity)).to.equal(1);
          expect(contrast(color, panel), `${color} on ${panel}`).to.be.at.least(3);
          // The same colour is the one to use as text.
          expect(contrast(color, panel), `${color} on ${panel}`).to.be.at.least(4.5);
        }
        for (const article of findAll(chat, 'article[part~="message--agent"]')) {
          const surface = getComputedStyle(article).backgroundColor;
          const edge = getComputedStyle(article).borderLeftColor;
          expect(contrast(edge, surface), `${edge} on ${surface}`).to.be.at.least(4.5);
        }
      });
    }
  });
});
