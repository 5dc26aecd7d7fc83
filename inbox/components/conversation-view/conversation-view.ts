// One open conversation for staff: its header (visitor, status, take over / hand back / close,
// mute), the live transcript with moderation (stop a reply, delete a message), and the widget's
// composer (with @mention of the room's agents) posting as staff.
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Conversation, ConversationStatus, RoomEvents } from '../../../protocol/room.ts';
import type { HandoffTarget } from '../../../protocol/schemas/conversations.ts';
import { format } from '../../../widget/i18n/strings.ts';
import { cssProps, safeColor } from '../../../widget/lib/css-props.ts';
import { StoreController } from '../../../widget/lib/store-controller.ts';
import { markdownStyles } from '../../../widget/markdown/markdown.styles.ts';
import { renderMarkdown } from '../../../widget/markdown/render-markdown.ts';
import type { ChatState } from '../../../widget/stores/chat-state.ts';
import type { ChatMessage } from '../../../widget/stores/transcript.ts';
import { ICONS } from '../../../widget/styles/icons.ts';
import { sharedStyles } from '../../../widget/styles/shared.styles.ts';
import type { SupportInbox } from '../../room/support-inbox.ts';
import { ChorusConversationBackEvent } from '../../events.ts';
import { INBOX_ICONS } from '../icons.ts';
import { INBOX_STRINGS, STAFF_WIDGET_STRINGS, type InboxStrings } from '../../strings.ts';
import { statusLabel } from '../status-label.ts';
import { conversationViewStyles } from './conversation-view.styles.ts';

/** Within this many pixels of the bottom the transcript follows new content. */
const PIN_THRESHOLD_PX = 48;

/**
 * @summary A support conversation as staff work it. Escape (outside the composer's menu) asks to
 * go back to the list (`chorus-conversation-back`).
 * @csspart header - Visitor, status and actions.   @csspart transcript - The messages.
 * @csspart message - One message (also `message--staff`, `message--deleted`).
 */
export class ChorusConversationView extends LitElement {
  static override styles = [sharedStyles, markdownStyles, conversationViewStyles];

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

  readonly #messages = new StoreController(this, () => this.state?.transcript.$messages);
  readonly #agents = new StoreController(this, () => this.state?.$agents);
  readonly #connection = new StoreController(this, () => this.state?.status.$connection);
  readonly #present = new StoreController(this, () => this.state?.presence.$present);
  readonly #typing = new StoreController(this, () => this.state?.typing.$typing);
  #offLive: (() => void) | undefined;
  #pinned = true;
  #time: Intl.DateTimeFormat | undefined;

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
      this.#pinned = true;
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
    if (changed.has('locale')) this.#time = undefined;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#offLive?.();
    this.#offLive = undefined;
  }

  protected override updated(): void {
    const log = this.renderRoot.querySelector<HTMLElement>('.transcript');
    if (log && this.#pinned) log.scrollTop = log.scrollHeight;
  }

  #handleScroll(event: Event): void {
    const log = event.currentTarget as HTMLElement;
    this.#pinned = log.scrollHeight - log.scrollTop - log.clientHeight <= PIN_THRESHOLD_PX;
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

  #formatTime(iso: string): string {
    this.#time ??= new Intl.DateTimeFormat(this.locale, { hour: 'numeric', minute: '2-digit' });
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? '' : this.#time.format(date);
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

  #renderMessage(message: ChatMessage, colors: ReadonlyMap<string, string | null>) {
    const strings = this.strings;
    const kind = message.author.kind;
    const deleted = message.status === 'deleted';
    if (kind === 'system')
      return html`<article class="message message--system" part="message message--system" data-id=${message.id}>
        ${renderMarkdown(message.content)}
      </article>`;
    const staff = message.author.role !== undefined;
    const visitor = kind === 'human' && !staff;
    const streaming = message.status === 'streaming';
    const classes = `message message--${kind}${staff ? ' message--staff' : ''}${visitor ? ' message--visitor' : ''} message--${message.status}`;
    const color = kind === 'agent' ? safeColor(colors.get(message.author.id)) : undefined;
    return html`<article class=${classes} part="message message--${kind}${staff ? ' message--staff' : ''}${deleted ? ' message--deleted' : ''}" data-id=${message.id} ${cssProps({ '--chorus-author-color': color })}>
      <div class="meta">
        <span class="author">${message.author.name}</span>
        ${staff ? html`<span class="badge">${strings.staffBadge}${message.own ? ` · ${strings.you}` : ''}</span>` : nothing}
        ${message.model ? html`<span class="badge">${message.model}</span>` : nothing}
        <time datetime=${message.createdAt}>${this.#formatTime(message.createdAt)}</time>
        ${
          deleted || message.delivery
            ? nothing
            : html`<button class="icon-button delete" type="button" aria-label=${format(strings.deleteMessageLabel, { name: message.author.name })} title=${strings.deleteMessage} ?disabled=${this.busy} @click=${() => this.#delete(message)}>${INBOX_ICONS.trash}</button>`
        }
      </div>
      <div class="content" part="message__content">
        ${deleted ? html`<em>${strings.deleted}</em>` : renderMarkdown(message.content, { streaming })}
      </div>
      ${
        message.delivery
          ? html`<div class="note">${message.delivery === 'sending' ? STAFF_WIDGET_STRINGS.sending : format(STAFF_WIDGET_STRINGS.sendFailed, { error: message.deliveryError?.message ?? '' })}</div>`
          : message.status === 'error' ||
              message.status === 'cancelled' ||
              message.status === 'interrupted'
            ? html`<div class="note">${message.status === 'error' ? STAFF_WIDGET_STRINGS.statusErrorUnknown : message.status === 'cancelled' ? STAFF_WIDGET_STRINGS.statusCancelled : STAFF_WIDGET_STRINGS.statusInterrupted}</div>`
            : nothing
      }
      ${
        streaming
          ? html`<div class="message-actions">
            <button class="button button--danger" type="button" aria-label=${format(STAFF_WIDGET_STRINGS.stopReply, { name: message.author.name })} @click=${() => void this.state?.transcript.stopMessage(message.id)}>${ICONS.stop} ${STAFF_WIDGET_STRINGS.stop}</button>
          </div>`
          : nothing
      }
    </article>`;
  }

  override render() {
    const strings = this.strings;
    const conversation = this.conversation;
    if (!conversation || !this.state)
      return html`<p class="placeholder">${strings.pickConversation}</p>`;
    const messages = this.#messages.value ?? [];
    const colors = new Map(
      (this.#agents.value ?? []).map((agent) => [agent.id, agent.color] as const),
    );
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
      <div class="transcript" part="transcript" role="log" aria-label=${STAFF_WIDGET_STRINGS.messagesLabel} tabindex="0" @scroll=${this.#handleScroll}>
        ${repeat(
          messages,
          (message) => message.id,
          (message) => this.#renderMessage(message, colors),
        )}
      </div>
      <chorus-composer .state=${this.state} .strings=${STAFF_WIDGET_STRINGS}></chorus-composer>`;
  }
}
