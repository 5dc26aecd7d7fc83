// One open conversation for staff: its header (visitor, status, take over / hand back / close,
// mute), the widget's message list with moderation (its Stop on a streaming reply, and Delete on
// every message), and the widget's composer (with @mention of the room's agents) posting as staff.
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import type { Conversation, ConversationStatus, RoomEvents } from '../../../protocol/room.ts';
import type { HandoffTarget } from '../../../protocol/schemas/conversations.ts';
import { format } from '../../../widget/i18n/strings.ts';
import { StoreController } from '../../../widget/lib/store-controller.ts';
import type { ChatState } from '../../../widget/stores/chat-state.ts';
import type { ChatMessage } from '../../../widget/stores/transcript.ts';
import { sharedStyles } from '../../../widget/styles/shared.styles.ts';
import type { SupportInbox } from '../../room/support-inbox.ts';
import { ChorusConversationBackEvent } from '../../events.ts';
import { INBOX_ICONS } from '../icons.ts';
import { INBOX_STRINGS, STAFF_WIDGET_STRINGS, type InboxStrings } from '../../strings.ts';
import { statusLabel } from '../status-label.ts';
import { conversationViewStyles } from './conversation-view.styles.ts';

/** The message list's parts, for the inbox page's own styles. */
const MESSAGE_PARTS = 'log, message, message__author, message__content, message__actions';

/**
 * @summary A support conversation as staff work it. Escape (outside the composer's menu) asks to
 * go back to the list (`chorus-conversation-back`).
 * @csspart header - Visitor, status and actions.
 * @csspart transcript - The messages (the widget's `<chorus-message-list>`, its parts exported).
 */
export class ChorusConversationView extends LitElement {
  static override styles = [sharedStyles, conversationViewStyles];

  static override properties = {
    inbox: { attribute: false },
    state: { attribute: false },
    conversation: { attribute: false },
    strings: { attribute: false },
    locale: {},
    busy: { state: true },
    problem: { state: true },
    mutedUntil: { state: true },
  };

  declare inbox: SupportInbox | undefined;
  declare state: ChatState | undefined;
  /** The list's row for it: status, visitor, as the inbox channel keeps them. */
  declare conversation: Conversation | undefined;
  declare strings: InboxStrings;
  declare locale: string;
  declare private busy: boolean;
  declare private problem: string | null;
  /** The visitor's mute: false, or until when (null: until lifted). */
  declare private mutedUntil: string | null | false;

  readonly #connection = new StoreController(this, () => this.state?.status.$connection);
  readonly #present = new StoreController(this, () => this.state?.presence.$present);
  readonly #typing = new StoreController(this, () => this.state?.typing.$typing);
  readonly #room = new StoreController(this, () => this.state?.status.$room);
  #offLive: (() => void) | undefined;
  /** The message list's Delete, made again only when what it draws changes (the list re-renders a message only then). */
  #deleteAction:
    { busy: boolean; strings: InboxStrings; render(message: ChatMessage): unknown } | undefined;

  constructor() {
    super();
    this.strings = INBOX_STRINGS;
    this.locale = 'en';
    this.busy = false;
    this.problem = null;
    this.mutedUntil = false;
    this.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      event.preventDefault();
      this.dispatchEvent(new ChorusConversationBackEvent());
    });
  }

  /** Moves focus to the answer field. */
  focusComposer(): void {
    void this.updateComplete.then(() =>
      this.renderRoot
        .querySelector<HTMLElement & { focusInput(): void }>('chorus-composer')
        ?.focusInput(),
    );
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('state')) {
      this.problem = null;
      this.mutedUntil = false;
      this.#offLive?.();
      // A mute of the visitor by anyone of the team (this page's too) arrives as an event.
      this.#offLive = this.state?.connection.on('live', ({ event, payload }) => {
        if (event !== 'participant-muted') return;
        const muted = payload as RoomEvents['participant-muted'];
        if (muted.participantId === this.conversation?.visitor.id)
          this.mutedUntil = muted.muted ? muted.until : false;
      });
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#offLive?.();
    this.#offLive = undefined;
  }

  async #act(action: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    try {
      await action();
      this.problem = null;
    } catch (error) {
      this.problem = format(this.strings.actionFailed, {
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      this.busy = false;
    }
  }

  #handoff(to: HandoffTarget): void {
    const { inbox, conversation } = this;
    if (inbox && conversation) void this.#act(() => inbox.handoff(conversation.id, to));
  }

  #toggleMute(): void {
    const { inbox, conversation } = this;
    if (!inbox || !conversation) return;
    const muted = this.mutedUntil === false;
    void this.#act(async () => {
      const answer = await inbox.mute(conversation.id, conversation.visitor.id, muted);
      this.mutedUntil = answer.muted ? answer.until : false;
    });
  }

  #delete(message: ChatMessage): void {
    const { inbox, conversation } = this;
    if (inbox && conversation)
      void this.#act(() => inbox.deleteMessage(conversation.id, message.id));
  }

  /** The status, then whether the visitor is here (or typing), muted, and the connection's trouble. */
  #statusLine(conversation: Conversation): string {
    const strings = this.strings;
    const typing = this.#typing.value ?? [];
    const here = (this.#present.value ?? []).some((meta) => meta.id === conversation.visitor.id);
    const connection = this.#connection.value;
    return [
      statusLabel(conversation.status, strings),
      typing.length > 0
        ? format(STAFF_WIDGET_STRINGS.typingOne, { names: typing.join(', ') })
        : here
          ? strings.visitorHere
          : strings.visitorAway,
      this.mutedUntil !== false ? strings.muted : '',
      connection && connection.status !== 'open' && connection.status !== 'idle'
        ? strings.reconnecting
        : '',
    ]
      .filter(Boolean)
      .join(' · ');
  }

  #renderActions(status: ConversationStatus) {
    const strings = this.strings;
    const button = (label: string, to: HandoffTarget, primary = false) =>
      html`<button class="button ${primary ? 'button--primary' : ''}" type="button" ?disabled=${this.busy} @click=${() => this.#handoff(to)}>${label}</button>`;
    return html`<div class="actions" role="group" aria-label=${strings.conversationsLabel}>
      ${status === 'bot' || status === 'waiting' ? button(strings.takeOver, 'human', true) : nothing}
      ${status === 'human' || status === 'waiting' ? button(strings.handBack, 'agents') : nothing}
      ${status === 'closed' ? button(strings.reopen, 'agents') : button(strings.close, 'closed')}
      <button class="button" type="button" aria-pressed=${this.mutedUntil === false ? 'false' : 'true'} ?disabled=${this.busy} @click=${() => this.#toggleMute()}>
        ${this.mutedUntil === false ? strings.mute : strings.unmute}
      </button>
    </div>`;
  }

  /** Delete, on every message but one already removed or not yet sent (a system note gets none). */
  #messageActions(): (message: ChatMessage) => unknown {
    const { busy, strings } = this;
    if (this.#deleteAction?.busy !== busy || this.#deleteAction.strings !== strings)
      this.#deleteAction = {
        busy,
        strings,
        render: (message) =>
          message.status === 'deleted' || message.delivery
            ? nothing
            : html`<button class="icon-button delete" type="button" aria-label=${format(strings.deleteMessageLabel, { name: message.author.name })} title=${strings.deleteMessage} ?disabled=${busy} @click=${() => this.#delete(message)}>${INBOX_ICONS.trash}</button>`,
      };
    return this.#deleteAction.render;
  }

  /** The conversation's last session summary (or, for a new one, the visitor's previous one's). */
  #renderLastSession() {
    const last = this.#room.value?.lastSession;
    if (!last) return nothing;
    const title = format(this.strings.lastSession, {
      date: new Date(last.endedAt).toLocaleString(this.locale || undefined),
      minutes: Math.max(1, Math.round(last.durationMs / 60_000)),
      count: last.messageCount,
    });
    return html`<details class="last-session" part="last-session">
      <summary>${title}</summary>
      <p>${last.summary}</p>
    </details>`;
  }

  override render() {
    const strings = this.strings;
    const conversation = this.conversation;
    if (!conversation || !this.state)
      return html`<p class="placeholder">${strings.pickConversation}</p>`;
    const status = conversation.status;
    return html`<header class="header" part="header">
        <button class="icon-button back" type="button" aria-label=${strings.back} @click=${() => this.dispatchEvent(new ChorusConversationBackEvent())}>
          ${INBOX_ICONS.back}
        </button>
        <div class="who">
          <h2 class="title" tabindex="-1">${conversation.visitor.name}</h2>
          <span class="status status--${status}" role="status">${this.#statusLine(conversation)}</span>
        </div>
        ${this.#renderActions(status)}
      </header>
      ${this.problem ? html`<p class="problem" role="alert">${this.problem}</p>` : nothing}
      ${this.#renderLastSession()}
      <chorus-message-list part="transcript" exportparts=${MESSAGE_PARTS} .state=${this.state} .strings=${STAFF_WIDGET_STRINGS} .locale=${this.locale} .messageActions=${this.#messageActions()}></chorus-message-list>
      <chorus-composer .state=${this.state} .strings=${STAFF_WIDGET_STRINGS}></chorus-composer>`;
  }
}
