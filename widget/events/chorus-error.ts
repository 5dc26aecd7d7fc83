export interface ChorusErrorDetail {
  /** The server's error code (e.g. `rate_limited`) or the widget's (e.g. `network_error`). */
  code: string;
  message: string;
}

/**
 * Something failed: a connection, a request, a send. The widget also shows it where it happened.
 * Bubbles and is composed, so the host page can listen on `<chorus-chat>` or any ancestor.
 * @example chat.addEventListener('chorus-error', (event) => console.log(event.detail));
 */
export class ChorusErrorEvent extends Event {
  static readonly eventName = 'chorus-error';
  readonly detail: ChorusErrorDetail;

  constructor(detail: ChorusErrorDetail) {
    super('chorus-error', { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'chorus-error': ChorusErrorEvent;
  }
}
