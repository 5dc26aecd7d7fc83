/**
 * Importing this module registers the Chorus elements, guarded: a tag already defined (the
 * widget loaded twice, or by another build) is left alone. The only side effect of the ESM entry.
 * @example import './define.ts'; // <chorus-chat> now works
 */
import type { ChorusChat } from './components/chat/chat.ts';
import type { ChorusComposer } from './components/composer/composer.ts';
import type { ChorusChatHeader } from './components/header/header.ts';
import type { ChorusMessageList } from './components/message-list/message-list.ts';
import type { ChorusWelcome } from './components/welcome/welcome.ts';
import { defineChorusElements } from './elements.ts';

export { define, defineChorusElements } from './elements.ts';

defineChorusElements();

declare global {
  interface HTMLElementTagNameMap {
    'chorus-chat': ChorusChat;
    'chorus-chat-header': ChorusChatHeader;
    'chorus-message-list': ChorusMessageList;
    'chorus-composer': ChorusComposer;
    'chorus-welcome': ChorusWelcome;
  }
}
