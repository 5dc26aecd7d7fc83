import type { ConversationStatus } from '../../protocol/room.ts';
import type { InboxStrings } from '../strings.ts';

/** The status of a conversation in words. */
export function statusLabel(status: ConversationStatus, strings: InboxStrings): string {
  switch (status) {
    case 'bot':
      return strings.statusBot;
    case 'waiting':
      return strings.statusWaiting;
    case 'human':
      return strings.statusHumanAnyone;
    case 'closed':
      return strings.statusClosed;
  }
}
