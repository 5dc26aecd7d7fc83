/** The inbox's own events (bubbling, composed), one class each as in widget/events/. */

/** A conversation of the list was picked (click, Enter or Space). */
export class ChorusConversationOpenEvent extends Event {
  static readonly eventName = 'chorus-conversation-open';
  readonly conversationId: string;

  constructor(conversationId: string) {
    super(ChorusConversationOpenEvent.eventName, { bubbles: true, composed: true });
    this.conversationId = conversationId;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'chorus-conversation-open': ChorusConversationOpenEvent;
  }
}
