export interface ChorusReadyDetail {
  participant: { id: string; name: string };
  room: { id: string; title: string };
}

/**
 * The widget has a session and has joined the room's channel (fired once per room joined).
 * Bubbles and is composed, so the host page can listen on `<chorus-chat>` or any ancestor.
 * @example chat.addEventListener('chorus-ready', (event) => console.log(event.detail));
 */
export class ChorusReadyEvent extends Event {
  static readonly eventName = 'chorus-ready';
  readonly detail: ChorusReadyDetail;

  constructor(detail: ChorusReadyDetail) {
    super('chorus-ready', { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'chorus-ready': ChorusReadyEvent;
  }
}
