import type { Message } from '../../protocol/room.ts';

export interface ChorusAgentEndDetail {
  /** The final reply; `status` says how it ended (`complete`, `cancelled`, `error`, `interrupted`). */
  message: Message;
}

/**
 * An agent's reply ended.
 * Bubbles and is composed, so the host page can listen on `<chorus-chat>` or any ancestor.
 * @example chat.addEventListener('chorus-agent-end', (event) => console.log(event.detail));
 */
export class ChorusAgentEndEvent extends Event {
  static readonly eventName = 'chorus-agent-end';
  readonly detail: ChorusAgentEndDetail;

  constructor(detail: ChorusAgentEndDetail) {
    super('chorus-agent-end', { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'chorus-agent-end': ChorusAgentEndEvent;
  }
}
