export interface ChorusUnreadDetail {
  /** Messages from others that arrived while the chat was closed or the page hidden. */
  count: number;
}

/**
 * The unread count changed.
 * Bubbles and is composed, so the host page can listen on `<chorus-chat>` or any ancestor.
 * @example chat.addEventListener('chorus-unread', (event) => console.log(event.detail));
 */
export class ChorusUnreadEvent extends Event {
  static readonly eventName = 'chorus-unread';
  readonly detail: ChorusUnreadDetail;

  constructor(detail: ChorusUnreadDetail) {
    super('chorus-unread', { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'chorus-unread': ChorusUnreadEvent;
  }
}
