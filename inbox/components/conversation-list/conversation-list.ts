import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Conversation } from '../../../protocol/room.ts';
import { shortenText } from '../../../protocol/text.ts';
import { plainText } from '../../../widget/stores/transcript.ts';
import { sharedStyles } from '../../../widget/styles/shared.styles.ts';
import { ChorusConversationOpenEvent, ChorusLoadMoreEvent } from '../../events.ts';
import { INBOX_STRINGS, type InboxStrings } from '../../strings.ts';
import { statusLabel } from '../status-label.ts';
import { conversationListStyles } from './conversation-list.styles.ts';

const PREVIEW_CHARACTERS = 140;

/**
 * @summary The conversations of a support room, waiting first: the visitor, the status, unread
 * messages and the last message (streaming replies update it live). A listbox: ArrowUp/Down,
 * Home/End move, Enter or Space opens (`chorus-conversation-open`).
 * @csspart list - The listbox.   @csspart row - One conversation (also `row--waiting`, `row--selected`).
 */
export class ChorusConversationList extends LitElement {
  static override styles = [sharedStyles, conversationListStyles];

  static override properties = {
    conversations: { attribute: false },
    selectedId: { attribute: 'selected-id' },
    hasMore: { attribute: false },
    loading: { attribute: false },
    strings: { attribute: false },
    locale: {},
    focusedId: { state: true },
  };

  declare conversations: readonly Conversation[];
  declare selectedId: string | null;
  declare hasMore: boolean;
  declare loading: boolean;
  declare strings: InboxStrings;
  declare locale: string;
  /** The row that takes Tab (roving tabindex). */
  declare private focusedId: string | null;
  #time: Intl.DateTimeFormat | undefined;

  constructor() {
    super();
    this.conversations = [];
    this.selectedId = null;
    this.hasMore = false;
    this.loading = false;
    this.strings = INBOX_STRINGS;
    this.locale = 'en';
    this.focusedId = null;
  }

  /** Moves focus to the row of a conversation (else the selected or first one). */
  focusRow(id?: string | null): void {
    const target = id ?? this.selectedId ?? this.conversations[0]?.id;
    if (!target) return;
    this.focusedId = target;
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>(`[data-id="${CSS.escape(target)}"]`)?.focus(),
    );
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('locale')) this.#time = undefined;
    if (!this.conversations.some((conversation) => conversation.id === this.focusedId))
      this.focusedId = this.selectedId ?? this.conversations[0]?.id ?? null;
  }

  #open(id: string): void {
    this.focusedId = id;
    this.dispatchEvent(new ChorusConversationOpenEvent(id));
  }

  #handleKeydown(event: KeyboardEvent): void {
    const ids = this.conversations.map((conversation) => conversation.id);
    const at = ids.indexOf(this.focusedId ?? '');
    let next: number | undefined;
    switch (event.key) {
      case 'ArrowDown':
        next = Math.min(ids.length - 1, at + 1);
        break;
      case 'ArrowUp':
        next = Math.max(0, at - 1);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = ids.length - 1;
        break;
      case 'Enter':
      case ' ':
        if (this.focusedId) {
          event.preventDefault();
          this.#open(this.focusedId);
        }
        return;
      default:
        return;
    }
    event.preventDefault();
    const id = ids[next];
    if (id) this.focusRow(id);
  }

  #formatTime(iso: string): string {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    const today = new Date().toDateString() === date.toDateString();
    this.#time ??= new Intl.DateTimeFormat(this.locale, { hour: 'numeric', minute: '2-digit' });
    return today
      ? this.#time.format(date)
      : date.toLocaleDateString(this.locale, { month: 'short', day: 'numeric' });
  }

  #preview(conversation: Conversation): string {
    const last = conversation.lastMessage;
    if (!last) return this.strings.noPreview;
    if (last.status === 'deleted') return this.strings.deleted;
    const text = shortenText(plainText(last.content), PREVIEW_CHARACTERS);
    return last.author.kind === 'system' ? text : `${last.author.name}: ${text}`;
  }

  #renderRow(conversation: Conversation) {
    const strings = this.strings;
    const selected = conversation.id === this.selectedId;
    const streaming = conversation.lastMessage?.status === 'streaming';
    const classes = [
      'row',
      `row--${conversation.status}`,
      selected ? 'row--selected' : '',
      conversation.unread > 0 ? 'row--unread' : '',
    ].join(' ');
    return html`<li
      class=${classes}
      part="row row--${conversation.status}${selected ? ' row--selected' : ''}"
      role="option"
      data-id=${conversation.id}
      aria-selected=${selected ? 'true' : 'false'}
      tabindex=${conversation.id === this.focusedId ? '0' : '-1'}
      @click=${() => this.#open(conversation.id)}
      @focus=${() => (this.focusedId = conversation.id)}
    >
      <div class="line">
        <span class="name">${conversation.visitor.name}</span>
        <span class="visually-hidden">,</span>
        <span class="status status--${conversation.status}">${statusLabel(conversation.status, strings)}</span>
        ${
          conversation.unread > 0
            ? html`<span class="unread"><span class="count">${conversation.unread}</span><span class="visually-hidden"> ${strings.unreadSuffix}</span></span>`
            : nothing
        }
        <time class="time" datetime=${conversation.updatedAt}>${this.#formatTime(conversation.updatedAt)}</time>
      </div>
      <div class="preview ${streaming ? 'preview--streaming' : ''}">${this.#preview(conversation)}</div>
    </li>`;
  }

  override render() {
    const strings = this.strings;
    return html`${
      this.conversations.length === 0 && !this.loading
        ? html`<p class="empty">${strings.noConversations}</p>`
        : nothing
    }
      <ul
        class="list"
        part="list"
        role="listbox"
        aria-label=${strings.conversationsLabel}
        ?hidden=${this.conversations.length === 0}
        @keydown=${this.#handleKeydown}
      >
        ${repeat(
          this.conversations,
          (conversation) => conversation.id,
          (conversation) => this.#renderRow(conversation),
        )}
      </ul>
      ${
        this.hasMore
          ? html`<div class="more"><button class="button" type="button" ?disabled=${this.loading} @click=${() => this.dispatchEvent(new ChorusLoadMoreEvent())}>
            ${this.loading ? strings.loading : strings.loadMore}
          </button></div>`
          : nothing
      }`;
  }
}
