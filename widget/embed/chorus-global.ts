/**
 * What the script tag does, as functions the tests can call: mount options from a script tag
 * (read by the loader, `widget/loader.ts`), mounting (deduplicated, waiting for a late target,
 * taking over the loader's stand-in launcher), and `window.Chorus` (the full widget's,
 * `embed.ts`).
 */
import type { ChorusChat } from '../components/chat/chat.ts';
import { warnOnce } from '../lib/warn-once.ts';
import type { ChorusUser } from '../room/api-types.ts';
import { VERSION } from '../version.ts';

/** Options of a mounted chat: the `data-*` attributes of the script tag, or `Chorus.push(['mount', {...}])`. */
export interface MountOptions {
  room: string;
  server?: string;
  name?: string;
  mode?: 'launcher' | 'inline';
  theme?: 'light' | 'dark' | 'auto';
  locale?: string;
  /** A CSS selector or an element: inline mode, in that element (or that `<chorus-chat>` itself). */
  target?: string | Element;
  open?: boolean;
  allowedImageHosts?: string[];
  noHeader?: boolean;
  nonce?: string;
}

export type ChorusCommand =
  | ['mount', MountOptions]
  | ['open']
  | ['close']
  | ['toggle']
  | ['send', string]
  | ['setUser', ChorusUser]
  | ['on', string, EventListener]
  | ['off', string, EventListener]
  | ['destroy'];

/** `window.Chorus` once the script has loaded (the loader's, then the full widget's). */
export interface ChorusGlobal {
  readonly loaded: true;
  readonly version: string;
  /** Runs commands now (the same calls that could be queued before the script loaded). */
  push(...commands: ChorusCommand[]): number;
  /** The chat commands act on (the first one mounted). */
  readonly chat: ChorusChat | undefined;
}

/**
 * `window.Chorus` as the loader (`chorus.js`) sets it: it queues what needs the full widget and
 * loads that when the visitor opens the launcher (docs/architecture.md §10, "Widget delivery").
 */
export interface ChorusLoaderGlobal extends ChorusGlobal {
  /**
   * Called once by the full widget as it starts: the server the loader came from and the
   * commands queued so far (mounts first); the loader then forwards every push to `full`.
   */
  handOver(full: ChorusGlobal): { server: string; commands: ChorusCommand[] };
}

declare global {
  interface Window {
    Chorus?: ChorusCommand[] | ChorusGlobal;
  }
}

const TARGET_WAIT_MS = 30_000;
const EMBED_KEY = 'data-chorus-embed';
/**
 * On the loader's stand-in `<chorus-chat>` (not yet defined), holding its mount's key: `mount`
 * takes that element over, and the element clears what the loader drew in its shadow root.
 */
export const STAND_IN_KEY = 'data-chorus-stand-in';

export function isLoaded(value: unknown): value is ChorusGlobal {
  return typeof value === 'object' && value !== null && (value as ChorusGlobal).loaded === true;
}

export function isLoader(value: unknown): value is ChorusLoaderGlobal {
  return isLoaded(value) && typeof (value as Partial<ChorusLoaderGlobal>).handOver === 'function';
}

/** Launcher mode: no target and no `mode: 'inline'` (the loader may defer these). */
export function isLauncher(options: MountOptions): boolean {
  return !options.target && options.mode !== 'inline';
}

/** What makes two mounts the same chat (a second script tag or push of it mounts nothing). */
export function mountKey(options: MountOptions): string {
  return [
    options.server ?? '',
    options.room,
    options.mode ?? '',
    typeof options.target === 'string' ? options.target : '',
  ].join('|');
}

/** Mount options from a script tag's `data-*` (null when it names no room). */
export function optionsFromScript(script: HTMLScriptElement | null): MountOptions | null {
  const data = script?.dataset;
  if (!script || !data?.['room']) return null;
  const flag = (value: string | undefined) => value !== undefined && value !== 'false';
  const options: MountOptions = {
    room: data['room'],
    server: data['server'] || serverOf(script.src),
  };
  if (data['name']) options.name = data['name'];
  if (data['mode'] === 'inline' || data['mode'] === 'launcher') options.mode = data['mode'];
  if (data['theme'] === 'light' || data['theme'] === 'dark' || data['theme'] === 'auto')
    options.theme = data['theme'];
  if (data['locale']) options.locale = data['locale'];
  if (data['target']) options.target = data['target'];
  if (flag(data['open'])) options.open = true;
  if (data['allowedImageHosts'])
    options.allowedImageHosts = data['allowedImageHosts'].split(/[\s,]+/).filter(Boolean);
  if (flag(data['noHeader'])) options.noHeader = true;
  const nonce = data['nonce'] || script.nonce;
  if (nonce) options.nonce = nonce;
  return options;
}

/**
 * The Chorus server a script was loaded from: its URL's folder, without the trailing slash.
 * @example serverOf('https://chat.example.com/chorus.js?v=2') // 'https://chat.example.com'
 */
export function serverOf(src: string): string {
  try {
    return new URL('.', src).href.replace(/\/$/, '');
  } catch {
    return location.origin;
  }
}

/** Resolves once the document is parsed. */
export function whenReady(): Promise<void> {
  return document.readyState === 'loading'
    ? new Promise((resolve) =>
        document.addEventListener('DOMContentLoaded', () => resolve(), { once: true }),
      )
    : Promise.resolve();
}

async function findTarget(target: string | Element): Promise<Element | null> {
  if (typeof target !== 'string') return target;
  await whenReady();
  const found = document.querySelector(target);
  if (found) return found;
  // A single-page app may render the target later.
  return new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const element = document.querySelector(target);
      if (element) done(element);
    });
    const timer = setTimeout(() => {
      warnOnce('target-not-found', `Chorus: no element matches data-target="${target}"`);
      done(null);
    }, TARGET_WAIT_MS);
    const done = (element: Element | null) => {
      observer.disconnect();
      clearTimeout(timer);
      resolve(element);
    };
    observer.observe(document.documentElement, { childList: true, subtree: true });
  });
}

function configure(chat: ChorusChat, options: MountOptions): void {
  chat.room = options.room;
  if (options.server) chat.server = options.server;
  if (options.name) chat.name = options.name;
  chat.mode = options.mode ?? (options.target ? 'inline' : 'launcher');
  // Connects nothing until opened, also when the full widget is already loaded (docs/architecture.md §10).
  if (isLauncher(options)) chat.lazy = true;
  if (options.theme) chat.theme = options.theme;
  if (options.locale) chat.locale = options.locale;
  if (options.open) chat.isOpen = true;
  if (options.allowedImageHosts) chat.allowedImageHosts = options.allowedImageHosts;
  if (options.noHeader) chat.noHeader = true;
  if (options.nonce) chat.setAttribute('nonce', options.nonce);
}

/** Mounts a chat (or returns the one this same configuration already mounted). */
export async function mount(options: MountOptions): Promise<ChorusChat | null> {
  const key = mountKey(options);
  const existing = [...document.querySelectorAll<ChorusChat>(`chorus-chat[${EMBED_KEY}]`)].find(
    (chat) => chat.getAttribute(EMBED_KEY) === key,
  );
  if (existing) return existing;
  if (options.target) {
    const target = await findTarget(options.target);
    if (!target) return null;
    const chat =
      target.localName === 'chorus-chat'
        ? (target as ChorusChat)
        : (target.querySelector('chorus-chat') ?? document.createElement('chorus-chat'));
    chat.setAttribute(EMBED_KEY, key);
    configure(chat, options);
    if (!chat.isConnected) target.replaceChildren(chat);
    return chat;
  }
  await whenReady();
  // The loader's stand-in launcher for this mount becomes the chat (the same button, in place).
  const chat =
    [...document.querySelectorAll<ChorusChat>(`chorus-chat[${STAND_IN_KEY}]`)].find(
      (element) => element.getAttribute(STAND_IN_KEY) === key,
    ) ?? document.createElement('chorus-chat');
  chat.removeAttribute(STAND_IN_KEY);
  chat.setAttribute(EMBED_KEY, key);
  configure(chat, options);
  if (!chat.isConnected) document.body.append(chat);
  return chat;
}

/** Builds `window.Chorus`: commands run against the first chat mounted (waiting for it if needed). */
export function createChorusGlobal(): ChorusGlobal {
  let chat: ChorusChat | undefined;
  let resolveFirst: ((chat: ChorusChat) => void) | undefined;
  const first = new Promise<ChorusChat>((resolve) => (resolveFirst = resolve));
  // Commands run in order, each after the previous one and once the chat they act on exists;
  // mounts run at once (a command queued before its mount must not wait for itself).
  let queue: Promise<unknown> = Promise.resolve();
  const report = (error: unknown) => console.error('[chorus]', error);

  const run = async (command: ChorusCommand): Promise<void> => {
    const [name] = command;
    if (name === 'mount') {
      const element = await mount(command[1]);
      if (element && !chat) {
        chat = element;
        resolveFirst?.(element);
      }
      return;
    }
    const target = chat ?? (await first);
    await target.updateComplete;
    switch (name) {
      case 'open':
        return target.open();
      case 'close':
        return target.close();
      case 'toggle':
        return target.toggle();
      case 'send':
        await target.send(command[1]);
        return;
      case 'setUser':
        return target.setUser(command[1]);
      case 'on':
        return target.addEventListener(command[1], command[2]);
      case 'off':
        return target.removeEventListener(command[1], command[2]);
      case 'destroy':
        target.remove();
        return;
      default:
        warnOnce(
          `unknown-command-${String(name)}`,
          `Chorus.push: unknown command "${String(name)}"`,
        );
    }
  };

  return {
    loaded: true,
    version: VERSION,
    get chat() {
      return chat;
    },
    push(...commands) {
      for (const command of commands) {
        if (!Array.isArray(command)) {
          warnOnce('bad-command', 'Chorus.push takes arrays like ["open"]');
          continue;
        }
        if (command[0] === 'mount') run(command).catch(report);
        else queue = queue.then(() => run(command)).catch(report);
      }
      return commands.length;
    },
  };
}
