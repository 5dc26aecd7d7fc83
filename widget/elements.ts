import { ChorusChat } from './components/chat/chat.ts';
import { ChorusComposer } from './components/composer/composer.ts';
import { ChorusChatHeader } from './components/header/header.ts';
import { ChorusMessageList } from './components/message-list/message-list.ts';
import { ChorusWelcome } from './components/welcome/welcome.ts';
import { warnOnce } from './lib/warn-once.ts';

/**
 * Defines a custom element unless the tag is taken: by this same class (nothing to do), or by
 * another one (a second, different copy of Chorus on the page: the first wins, with a warning).
 * @example define('chorus-chat', ChorusChat);
 */
export function define(tag: string, constructor: CustomElementConstructor): void {
  const registry = globalThis.customElements;
  if (!registry) return;
  const existing = registry.get(tag);
  if (existing === undefined) {
    registry.define(tag, constructor);
    return;
  }
  if (existing !== constructor)
    warnOnce(
      `duplicate-${tag}`,
      `<${tag}> is already defined by another copy of Chorus; this one is not used. Load the widget once per page`,
    );
}

/**
 * Registers every Chorus element (idempotent; children before the chat that renders them).
 * @example defineChorusElements(); document.body.append(document.createElement('chorus-chat'));
 */
export function defineChorusElements(): void {
  define('chorus-chat-header', ChorusChatHeader);
  define('chorus-welcome', ChorusWelcome);
  define('chorus-message-list', ChorusMessageList);
  define('chorus-composer', ChorusComposer);
  define('chorus-chat', ChorusChat);
}
