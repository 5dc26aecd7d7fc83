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

/** The sign-in form was sent: the admin key typed (empty when the page has one) and the name. */
export class ChorusSignInEvent extends Event {
  static readonly eventName = 'chorus-sign-in';
  readonly key: string;
  readonly name: string;

  constructor(key: string, name: string) {
    super(ChorusSignInEvent.eventName, { bubbles: true, composed: true });
    this.key = key;
    this.name = name;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'chorus-sign-in': ChorusSignInEvent;
  }
}

/** Back to the list from the open conversation (the back button, or Escape). */
export class ChorusConversationBackEvent extends Event {
  static readonly eventName = 'chorus-conversation-back';

  constructor() {
    super(ChorusConversationBackEvent.eventName, { bubbles: true, composed: true });
  }
}

/** The list's "Older conversations": the next page, please. */
export class ChorusLoadMoreEvent extends Event {
  static readonly eventName = 'chorus-load-more';

  constructor() {
    super(ChorusLoadMoreEvent.eventName, { bubbles: true, composed: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'chorus-conversation-back': ChorusConversationBackEvent;
    'chorus-load-more': ChorusLoadMoreEvent;
  }
}
