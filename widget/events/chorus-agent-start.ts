import type { Author, ReplyReason } from '../../protocol/room.ts';

export interface ChorusAgentStartDetail {
  messageId: string;
  agent: Author;
  /** Why this agent answers. */
  reason: ReplyReason;
  replyTo: string | null;
}

/**
 * An agent started replying.
 * Bubbles and is composed, so the host page can listen on `<chorus-chat>` or any ancestor.
 * @example chat.addEventListener('chorus-agent-start', (event) => console.log(event.detail));
 */
export class ChorusAgentStartEvent extends Event {
  static readonly eventName = 'chorus-agent-start';
  readonly detail: ChorusAgentStartDetail;

  constructor(detail: ChorusAgentStartDetail) {
    super('chorus-agent-start', { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'chorus-agent-start': ChorusAgentStartEvent;
  }
}
