import type { Message } from '../../protocol/room.ts';

export interface ChorusMessageDetail {
  /** The message as persisted. */
  message: Message;
  /** Whether the current user wrote it. */
  own: boolean;
}

/**
 * A finished message arrived live: a person's post, a system notice, or an agent's final reply.
 * Bubbles and is composed, so the host page can listen on `<chorus-chat>` or any ancestor.
 * @example chat.addEventListener('chorus-message', (event) => console.log(event.detail));
 */
export class ChorusMessageEvent extends Event {
  static readonly eventName = 'chorus-message';
  readonly detail: ChorusMessageDetail;

  constructor(detail: ChorusMessageDetail) {
    super('chorus-message', { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'chorus-message': ChorusMessageEvent;
  }
}
