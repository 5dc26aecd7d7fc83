import './process-shim.ts';
import '../define.ts';
import type { ChorusChat } from '../components/chat/chat.ts';
import type { RoomConnection } from '../room/room-connection.ts';

const mounted: HTMLElement[] = [];

export interface MountOptions {
  mode?: 'launcher' | 'inline';
  theme?: 'light' | 'dark' | 'auto';
  open?: boolean;
  locale?: string;
  attributes?: Record<string, string>;
}

/**
 * A `<chorus-chat>` on the page, driven by a stub connection (no server) or a room client on a
 * fake server, rendered and settled.
 * @example const chat = await mountChat(StubConnection.open(), { mode: 'inline' });
 */
export async function mountChat(
  connection: RoomConnection,
  options: MountOptions = {},
): Promise<ChorusChat> {
  const chat = document.createElement('chorus-chat');
  chat.connection = connection;
  chat.mode = options.mode ?? 'launcher';
  chat.theme = options.theme ?? 'light';
  if (options.open) chat.isOpen = true;
  if (options.locale) chat.locale = options.locale;
  for (const [name, value] of Object.entries(options.attributes ?? {}))
    chat.setAttribute(name, value);
  if (chat.mode === 'inline') chat.style.setProperty('--chorus-height', '520px');
  document.body.append(chat);
  mounted.push(chat);
  await settle(chat);
  return chat;
}

/** Removes every chat mounted by `mountChat`. */
export function unmountAll(): void {
  for (const element of mounted.splice(0)) element.remove();
}

/** Waits for two animation frames and for every Chorus element inside to finish updating. */
export async function settle(chat: ChorusChat): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    await chat.updateComplete;
    const children = [
      ...(chat.shadowRoot?.querySelectorAll(
        'chorus-chat-header, chorus-message-list, chorus-composer',
      ) ?? []),
    ] as (HTMLElement & { updateComplete: Promise<boolean> })[];
    await Promise.all(children.map((child) => child.updateComplete));
  }
  // Let entrance animations finish (axe measures colours, which a fade-in would distort).
  const animations = findAll(chat, '*').flatMap((element) => element.getAnimations());
  await Promise.all(
    animations
      .filter((animation) => animation.effect?.getComputedTiming().iterations !== Infinity)
      .map((animation) => animation.finished.catch(() => undefined)),
  );
}

/** The first element matching `selector` inside the chat, looking through every open shadow root. */
export function find<T extends Element = HTMLElement>(
  root: Element | ShadowRoot | Document,
  selector: string,
): T | null {
  return findAll<T>(root, selector)[0] ?? null;
}

/** Every element matching `selector` inside `root`, through open shadow roots. */
export function findAll<T extends Element = HTMLElement>(
  root: Element | ShadowRoot | Document,
  selector: string,
): T[] {
  const found: T[] = [];
  const visit = (node: Element | ShadowRoot | Document) => {
    found.push(...node.querySelectorAll<T>(selector));
    for (const element of node.querySelectorAll('*'))
      if (element.shadowRoot) visit(element.shadowRoot);
  };
  if (root instanceof Element && root.shadowRoot) visit(root.shadowRoot);
  else visit(root);
  return found;
}

/** Like `find`, but throws a readable error when nothing matches. */
export function get<T extends Element = HTMLElement>(
  root: Element | ShadowRoot | Document,
  selector: string,
): T {
  const element = find<T>(root, selector);
  if (!element) throw new Error(`nothing matches ${selector}`);
  return element;
}

/** The element that really has focus, through shadow roots. */
export function deepActiveElement(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

export { until } from './until.ts';
