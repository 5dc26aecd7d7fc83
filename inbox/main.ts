/**
 * The inbox page's script (`/inbox/`): registers the inbox's elements and the widget's message
 * list (with its empty state) and composer they use, guarded like the widget's (widget/elements.ts `define`).
 */
import { ChorusComposer } from '../widget/components/composer/composer.ts';
import { ChorusMessageList } from '../widget/components/message-list/message-list.ts';
import { ChorusWelcome } from '../widget/components/welcome/welcome.ts';
import { define } from '../widget/elements.ts';
import { ChorusConversationList } from './components/conversation-list/conversation-list.ts';
import { ChorusConversationView } from './components/conversation-view/conversation-view.ts';
import { ChorusInbox } from './components/inbox-app/inbox-app.ts';
import { ChorusInboxSignIn } from './components/sign-in/sign-in.ts';

export function defineInboxElements(): void {
  define('chorus-welcome', ChorusWelcome); // the message list's empty state
  define('chorus-message-list', ChorusMessageList);
  define('chorus-composer', ChorusComposer);
  define('chorus-conversation-list', ChorusConversationList);
  define('chorus-conversation-view', ChorusConversationView);
  define('chorus-inbox-sign-in', ChorusInboxSignIn);
  define('chorus-inbox', ChorusInbox);
}

defineInboxElements();

declare global {
  interface HTMLElementTagNameMap {
    'chorus-inbox': ChorusInbox;
    'chorus-inbox-sign-in': ChorusInboxSignIn;
    'chorus-conversation-list': ChorusConversationList;
    'chorus-conversation-view': ChorusConversationView;
  }
}
