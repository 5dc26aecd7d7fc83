// The transcript element: the messages, history paging, the "new messages" pill, versions of a
// regenerated reply, day separators, streaming replies kept readable together.
// Why one file: the window of rendered messages, the scroll anchoring when older ones are
// revealed, the pill and the height cap of streaming replies read and write the same scroll state
// in one frame; split, each would need the others' internals. Version groups (versions.ts) and
// day/time labels (message-time.ts) are separate.
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { guard } from 'lit/directives/guard.js';
import { isStaffRole, type MessagePart, type ReplyReason } from '../../../protocol/room.ts';
import { describeError, format, type ChorusStrings } from '../../i18n/strings.ts';
import { cssProps, safeColor } from '../../lib/css-props.ts';
import { shortenText } from '../../../protocol/text.ts';
import { StoreController } from '../../lib/store-controller.ts';
import { markdownStyles } from '../../markdown/markdown.styles.ts';
import { renderMarkdown } from '../../markdown/render-markdown.ts';
import { sanitizePageUrl } from '../../markdown/sanitize-url.ts';
import type { ChatState } from '../../stores/chat-state.ts';
import type { Announcement, ChatMessage } from '../../stores/transcript.ts';
import { ICONS } from '../../styles/icons.ts';
import { sharedStyles } from '../../styles/shared.styles.ts';
import { failedReplies, renderErrorNotice } from './error-notice.ts';
import { citationStyles } from './citations.styles.ts';
import { messageListStyles } from './message-list.styles.ts';
import { dayKey, dayLabel, sameAuthorRun } from './message-time.ts';
import { versionGroups, type TranscriptItem } from './versions.ts';

/** Within this many pixels of the bottom the list counts as "at the bottom" and follows new content. */
const PIN_THRESHOLD_PX = 48;
/** Within this many pixels of the top, older history loads. */
const LOAD_OLDER_THRESHOLD_PX = 80;
/**
 * How many of the newest messages are in the DOM while the reader follows the bottom. A long
 * transcript is not rendered at once (2,000 messages took one 770 ms task, and every layout read
 * grew with them): scrolling to the top reveals {@link REVEAL_COUNT} more at a time, and only
 * when all loaded messages are shown does older history come from the server.
 */
export const RENDER_WINDOW = 30;
export const REVEAL_COUNT = 50;
const MAX_PART_CHARACTERS = 4_000;
/** How long "Copied" shows on a message's copy button. */
const COPIED_MS = 2_000;

const REASON_KEYS: Record<ReplyReason, keyof ChorusStrings> = {
  mention: 'reasonMention',
  selected: 'reasonSelected',
  all: 'reasonAll',
  default: 'reasonDefault',
  handoff: 'reasonHandoff',
  regenerate: 'reasonRegenerate',
};

interface RenderedContent {
  content: string;
  streaming: boolean;
  hosts: readonly string[];
  template: TemplateResult;
}

/**
 * @summary The transcript: messages (several replies streaming at once), history paging, the
 * "new messages" pill, and a polite live region announcing finished messages.
 * @csspart log - The scrolling list (`role="log"`).
 * @csspart message - One message (also `message--agent`, `message--human`, `message--system`, `message--own`, `message--staff`).
 * @csspart message__author - The author's name.   @csspart message__badge - The "AI" badge of an agent (its model as the tooltip).
 * @csspart message__reason - Why an agent answered.   @csspart message__content - The text.
 * @csspart message__actions - Retry / Regenerate, then what `messageActions` adds.
 * @csspart message__stop - Stops a streaming reply (in its author row).
 * @csspart message__copy - Copies a message's text.
 * @csspart message__versions - ‹ n/m › between the versions of a regenerated reply.
 * @csspart day - A day separator.
 * @csspart new-messages - The pill (with how many new messages).
 * @csspart citation - A source an agent reply cites, under it: a link to the site's page (the quote as its tooltip and description), or its title alone.
 * @cssproperty --chorus-author-color - Set per message from the agent's colour.
 */
export class ChorusMessageList extends LitElement {
  static override styles = [sharedStyles, markdownStyles, messageListStyles, citationStyles];

  static override properties = {
    state: { attribute: false },
    strings: { attribute: false },
    locale: {},
    allowedImageHosts: { attribute: false },
    messageActions: { attribute: false },
    hasNew: { state: true },
  };

  declare state: ChatState | undefined;
  declare strings: ChorusStrings;
  declare locale: string;
  declare allowedImageHosts: readonly string[];
  /**
   * More buttons for a message (not a system note), after its own in `part="message__actions"`;
   * `nothing` for none. Set a new function when what it draws changes (messages re-render only then).
   * @example list.messageActions = (message) => html`<button @click=${() => remove(message)}>Delete</button>`;
   */
  declare messageActions: ((message: ChatMessage) => unknown) | undefined;
  declare private hasNew: boolean;

  readonly #messages = new StoreController(this, () => this.state?.transcript.$messages);
  readonly #hasOlder = new StoreController(this, () => this.state?.transcript.$hasOlder);
  readonly #loadingOlder = new StoreController(this, () => this.state?.transcript.$loadingOlder);
  readonly #announcements = new StoreController(this, () => this.state?.transcript.$announcements);
  readonly #agents = new StoreController(this, () => this.state?.$agents);
  readonly #rendered = new Map<string, RenderedContent>();
  #pinned = true;
  /** The oldest message in the DOM; `undefined` renders from the first loaded one. */
  #windowStartId: string | undefined;
  /** Index in the transcript of the oldest message in the DOM, as last rendered. */
  #windowStart = 0;
  #lastScrollTop = 0;
  #anchor: { id: string; top: number } | undefined;
  #lastSignature = '';
  #resizeObserver: ResizeObserver | undefined;
  /** The log's height in pixels, as the resize observer last saw it. */
  #logHeight: number | undefined;
  #timeFormat: Intl.DateTimeFormat | undefined;
  /** The bubbles, as last rendered. */
  #items: TranscriptItem[] = [];
  #grouped: readonly ChatMessage[] | undefined;
  /** The newest bubble when the reader scrolled up: the pill counts the ones after it. */
  #unpinKey: string | undefined;
  /** A version the reader chose, by group, while the group had `count` versions (a local view). */
  readonly #chosen = new Map<string, { id: string; count: number }>();
  /** Streaming replies the reader expanded ("Show more"). */
  readonly #expanded = new Set<string>();
  #copiedId: string | undefined;
  #copiedTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.state = undefined;
    this.locale = 'en';
    this.allowedImageHosts = [];
    this.hasNew = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#resizeObserver ??= new ResizeObserver(() => {
      const log = this.#log;
      this.#logHeight = log?.clientHeight;
      if (log) this.#sizeCaps(log);
      if (this.#pinned) this.scrollToBottom();
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resizeObserver?.disconnect();
    clearTimeout(this.#copiedTimer);
  }

  /** Scrolls to the newest message and follows new content again. */
  scrollToBottom(): void {
    const log = this.#log;
    if (!log) return;
    log.scrollTop = log.scrollHeight;
    this.#pinned = true;
    if (this.hasNew) this.hasNew = false;
    // Back at the bottom: let the window shrink to the newest messages again.
    if (this.#windowStart < this.#items.length - RENDER_WINDOW) this.requestUpdate();
  }

  /**
   * The log's height sizes the cap of streaming replies (three fit at once). Written only while a
   * reply is capped: a custom property on the log restyles every message under it, which the
   * first render of a long history would otherwise pay for nothing (bench:widget-render).
   */
  #sizeCaps(log: HTMLElement): void {
    if (!log.querySelector('.message--capped')) return;
    const height = `${(this.#logHeight ??= log.clientHeight)}px`;
    if (log.style.getPropertyValue('--_chorus-log-height') !== height)
      log.style.setProperty('--_chorus-log-height', height);
  }

  get #log(): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>('.log');
  }

  protected override firstUpdated(): void {
    const log = this.#log;
    if (log) {
      this.#resizeObserver?.observe(log);
      this.#resizeObserver?.observe(log.querySelector('.items') ?? log);
    }
    this.scrollToBottom();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('locale')) this.#timeFormat = undefined;
    const log = this.#log;
    // Keep the first visible message in place when older ones are added above it.
    const first = log?.querySelector<HTMLElement>('.message');
    this.#anchor =
      log && first && !this.#pinned
        ? { id: first.dataset['key'] ?? '', top: first.getBoundingClientRect().top }
        : undefined;
    // Something new at the bottom while the reader is up in the history: offer the pill.
    const list = this.#messages.value ?? [];
    const last = list.at(-1);
    const streamed = list.reduce(
      (total, message) =>
        message.status === 'streaming'
          ? total + message.content.length + message.parts.length
          : total,
      0,
    );
    const signature = `${last?.id ?? ''}:${last?.status ?? ''}:${last?.content.length ?? 0}:${last?.parts.length ?? 0}:${streamed}`;
    if (signature !== this.#lastSignature && !this.#pinned && log) this.hasNew = true;
    this.#lastSignature = signature;
  }

  protected override updated(): void {
    const log = this.#log;
    if (!log) return;
    if (this.#pinned) {
      log.scrollTop = log.scrollHeight;
    } else if (this.#anchor) {
      const element = log.querySelector<HTMLElement>(
        `.message[data-key="${CSS.escape(this.#anchor.id)}"]`,
      );
      if (element) log.scrollTop += element.getBoundingClientRect().top - this.#anchor.top;
    }
    // A capped reply longer than its cap fades at the top and offers "Show more".
    // All reads, then all writes: one layout, however many replies stream.
    this.#sizeCaps(log);
    const capped = [...log.querySelectorAll<HTMLElement>('.message--capped .content')].map(
      (content) => ({
        content,
        clipped:
          ((content.firstElementChild as HTMLElement | null)?.offsetHeight ?? 0) >
          content.clientHeight + 1,
      }),
    );
    for (const { content, clipped } of capped)
      content.parentElement?.classList.toggle('message--clipped', clipped);
    this.#pruneRendered(this.#messages.value ?? []);
  }

  #handleScroll(): void {
    const log = this.#log;
    if (!log) return;
    // Only the reader unpins (by scrolling up); content growing under a programmatic scroll does not.
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight <= PIN_THRESHOLD_PX;
    if (atBottom) this.#pinned = true;
    else if (log.scrollTop < this.#lastScrollTop) {
      if (this.#pinned) this.#unpinKey = this.#items.at(-1)?.key;
      this.#pinned = false;
    }
    this.#lastScrollTop = log.scrollTop;
    if (this.#pinned && this.hasNew) this.hasNew = false;
    if (log.scrollTop <= LOAD_OLDER_THRESHOLD_PX && log.scrollHeight > log.clientHeight)
      this.#showOlder();
  }

  /** Reveals older messages already loaded, or loads the next page from the server. */
  #showOlder(): void {
    const list = this.#items;
    if (this.#windowStart > 0) {
      this.#windowStartId = list[Math.max(0, this.#windowStart - REVEAL_COUNT)]?.key;
      this.requestUpdate();
    } else if (this.#hasOlder.value && !this.#loadingOlder.value) {
      // Render from the first message, so the page about to arrive above it shows too.
      this.#windowStartId = undefined;
      void this.state?.transcript.loadOlder();
    }
  }

  /**
   * Where the rendered window starts: the newest {@link RENDER_WINDOW} messages while the reader
   * follows the bottom; otherwise it stays on the same message, so that nothing the reader sees
   * moves as messages arrive.
   */
  #updateWindow(list: readonly TranscriptItem[]): number {
    const found =
      this.#windowStartId === undefined
        ? 0
        : list.findIndex((item) => item.key === this.#windowStartId);
    let start = found === -1 ? Math.max(0, list.length - RENDER_WINDOW) : found;
    if (this.#pinned) start = Math.max(0, list.length - RENDER_WINDOW);
    this.#windowStartId = start === 0 ? undefined : list[start]?.key;
    this.#windowStart = start;
    return start;
  }

  #markdown(message: ChatMessage): TemplateResult {
    const streaming = message.status === 'streaming';
    const cached = this.#rendered.get(message.id);
    if (
      cached &&
      cached.content === message.content &&
      cached.streaming === streaming &&
      cached.hosts === this.allowedImageHosts
    )
      return cached.template;
    const template = renderMarkdown(message.content, {
      allowedImageHosts: this.allowedImageHosts,
      streaming,
      copyLabels: [this.strings.copyCode, this.strings.codeCopied],
    });
    this.#rendered.set(message.id, {
      content: message.content,
      streaming,
      hosts: this.allowedImageHosts,
      template,
    });
    return template;
  }

  #pruneRendered(list: readonly ChatMessage[]): void {
    if (this.#rendered.size <= list.length + 20) return;
    const ids = new Set(list.map((message) => message.id));
    for (const id of this.#rendered.keys()) if (!ids.has(id)) this.#rendered.delete(id);
  }

  #time(iso: string): string {
    this.#timeFormat ??= new Intl.DateTimeFormat(this.locale, {
      hour: 'numeric',
      minute: '2-digit',
    });
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? '' : this.#timeFormat.format(date);
  }

  #renderParts(parts: readonly MessagePart[]) {
    const strings = this.strings;
    const results = new Map(
      parts.flatMap((part) => (part.type === 'tool-result' ? [[part.callId, part] as const] : [])),
    );
    return parts.map((part) => {
      if (part.type === 'reasoning') {
        return html`<details class="reasoning" part="reasoning"><summary>${strings.reasoning}</summary><div class="part-body">${clip(part.text)}</div></details>`;
      }
      if (part.type !== 'tool-call') return nothing;
      const result = results.get(part.callId);
      const state = !result
        ? strings.toolRunning
        : result.error !== undefined
          ? strings.toolFailed
          : strings.toolDone;
      return html`<details class="tool ${result?.error !== undefined ? 'tool--error' : ''}" part="tool">
        <summary>${ICONS.tool} ${format(strings.toolCall, { name: part.name, state })}</summary>
        <div class="visually-hidden">${strings.toolArguments}</div>
        <pre class="part-body" aria-label=${strings.toolArguments}>${json(part.args)}</pre>
        ${result ? html`<pre class="part-body" aria-label=${strings.toolResult}>${result.error ?? json(result.result)}</pre>` : nothing}
      </details>`;
    });
  }

  /**
   * The sources a reply cites, as chips (docs/architecture.md §12). A page of the site links,
   * resolved against the host page (knowledge URLs name the site's pages) and in a new tab unless
   * it is on this page's origin; a source without a safe URL is its title alone. The quote is the
   * tooltip (the chip's description, read on focus) and visually hidden text after the chip (read
   * in reading order, where tooltips are not: touch screen readers).
   */
  #renderSources({ parts }: ChatMessage) {
    const sources = parts.filter((part) => part.type === 'source');
    if (sources.length === 0) return nothing;
    // One <a> for both: without an href it is no link, just the title.
    return html`<ul class="sources" aria-label=${this.strings.sources}>${sources.map((source) => {
      const url = source.url ? sanitizePageUrl(source.url, document.baseURI) : null;
      return html`<li><a class="mini citation" part="citation" href=${url?.href ?? nothing} title=${source.quote} target=${!url || url.href.startsWith(`${location.origin}/`) ? nothing : '_blank'} rel="noopener noreferrer">${source.title}</a><span class="visually-hidden">${source.quote}</span></li>`;
    })}</ul>`;
  }

  #renderStatus(message: ChatMessage) {
    const strings = this.strings;
    const status = (text: string, isError = false) =>
      html`<div class="status ${isError ? 'status--error' : ''}" part="message__status">${text}</div>`;
    if (message.delivery === 'sending') return status(strings.sending);
    if (message.delivery === 'failed')
      return status(
        format(strings.sendFailed, { error: describeError(message.deliveryError, strings) }),
        true,
      );
    switch (message.status) {
      case 'streaming':
        return html`<div class="visually-hidden">${strings.statusStreaming}</div>`;
      case 'cancelled':
        return status(
          message.stoppedBy
            ? format(strings.statusStoppedBy, { name: message.stoppedBy.name })
            : strings.statusCancelled,
        );
      case 'interrupted':
        return status(strings.statusInterrupted);
      case 'error':
        return status(strings.statusErrorUnknown, true);
      default:
        return nothing;
    }
  }

  /**
   * Retry after a failure, Regenerate after an answer: the one place a reply's new version is
   * asked for (the server answers with a new version of the same bubble).
   */
  #regenerateReply(message: ChatMessage): void {
    void this.state?.transcript.regenerate(message.id);
  }

  /** Retry (a failed send, a failed reply) / Regenerate, as the message's state offers them. */
  #renderActions(message: ChatMessage, latest: boolean) {
    const strings = this.strings;
    const name = message.author.name;
    if (message.delivery === 'failed') {
      return html`<button class="button" type="button" @click=${() => this.state?.transcript.retryMessage(message.id)}>${ICONS.retry} ${strings.retrySend}</button>`;
    }
    // Only the latest version of a reply offers another one.
    if (message.author.kind !== 'agent' || !latest || message.status === 'streaming')
      return nothing;
    const failed = message.status === 'error' || message.status === 'interrupted';
    return html`<button class="button" type="button" aria-label=${format(failed ? strings.retryReply : strings.regenerateReply, { name })} @click=${() => this.#regenerateReply(message)}>
        ${ICONS.retry} ${failed ? strings.retry : strings.regenerate}
      </button>`;
  }

  /** The author row's controls: ‹ n/m › between versions, then Stop (streaming) or Copy. */
  #renderMetaControls(item: TranscriptItem, message: ChatMessage) {
    const strings = this.strings;
    const count = item.versions.length;
    const index = item.versions.indexOf(message);
    const choose = (offset: number) => {
      const next = item.versions[index + offset];
      if (!next) return;
      this.#chosen.set(item.key, { id: next.id, count });
      this.requestUpdate();
    };
    const versions =
      count > 1
        ? html`<span class="versions" part="message__versions" role="group" aria-label=${format(strings.versionLabel, { index: index + 1, count })}>
          <button class="mini" type="button" aria-label=${strings.previousVersion} ?disabled=${index === 0} @click=${() => choose(-1)}>‹</button><span aria-hidden="true">${index + 1}/${count}</span><button class="mini" type="button" aria-label=${strings.nextVersion} ?disabled=${index === count - 1} @click=${() => choose(1)}>›</button>
        </span>`
        : nothing;
    if (message.status === 'streaming') {
      return html`${versions}<button class="mini mini--danger" part="message__stop" type="button" aria-label=${format(strings.stopReply, { name: message.author.name })} @click=${() => this.state?.transcript.stopMessage(message.id)}>${ICONS.stop} ${strings.stop}</button>`;
    }
    if (message.status === 'deleted' || message.content === '' || message.delivery) return versions;
    const copied = this.#copiedId === message.id;
    return html`${versions}<button class="mini copy" part="message__copy" type="button" aria-label=${copied ? strings.copied : format(strings.copyMessage, { name: message.author.name })} @click=${() => this.#copy(message)}>${copied ? strings.copied : strings.copy}</button>`;
  }

  #copy(message: ChatMessage): void {
    void navigator.clipboard?.writeText(message.content).then(() => {
      this.#copiedId = message.id;
      clearTimeout(this.#copiedTimer);
      this.#copiedTimer = setTimeout(() => {
        this.#copiedId = undefined;
        this.requestUpdate();
      }, COPIED_MS);
      this.requestUpdate();
    });
  }

  #renderMessage(
    item: TranscriptItem,
    message: ChatMessage,
    colors: ReadonlyMap<string, string | null>,
    layout: { continued: boolean; capped: boolean },
    failed?: ChatMessage[],
  ) {
    const strings = this.strings;
    const kind = message.author.kind;
    if (failed) {
      // A version the reader went back to is not the latest: its notice offers no Retry.
      const latest = message === item.versions.at(-1);
      return renderErrorNotice(failed, {
        strings,
        locale: this.locale,
        onRetry: latest ? () => failed.forEach((reply) => this.#regenerateReply(reply)) : undefined,
      });
    }
    if (kind === 'system') {
      return html`<article class="message message--system" part="message message--system" data-id=${message.id} data-key=${item.key}>
        <span class="visually-hidden">${strings.systemAuthor}: </span>${this.#markdown(message)}
      </article>`;
    }
    const color = kind === 'agent' ? safeColor(colors.get(message.author.id)) : undefined;
    const reason =
      kind === 'agent' && message.reason ? strings[REASON_KEYS[message.reason]] : undefined;
    const staff = isStaffRole(message.author.role);
    const removed = message.status === 'deleted';
    const latest = message === item.versions.at(-1);
    const actions = removed ? nothing : this.#renderActions(message, latest);
    const extra = this.messageActions?.(message) ?? nothing;
    const author = staff
      ? format(strings.staffAuthor, { name: message.author.name })
      : message.author.name;
    const time = this.#time(message.createdAt);
    const expanded = this.#expanded.has(message.id);
    const parts = `message message--${kind}${message.own ? ' message--own' : ''}${staff ? ' message--staff' : ''}`;
    const classes = `${parts} message--${message.status}${layout.continued ? ' message--continued' : ''}${layout.capped && !expanded ? ' message--capped' : ''}`;
    return html`<article class=${classes} part=${parts} data-id=${message.id} data-key=${item.key} aria-label=${time ? `${author}, ${time}` : author} ${cssProps({ '--chorus-author-color': color })}>
      <div class="meta">
        ${kind === 'agent' ? html`<span class="avatar" aria-hidden="true"></span>` : nothing}
        <span class="author" part="message__author">${author}</span>
        ${kind === 'agent' ? html`<span class="badge" part="message__badge" title=${message.model ? format(strings.modelLabel, { model: message.model }) : nothing}>${strings.aiLabel}</span>` : nothing}
        ${reason && message.reason !== 'regenerate' ? html`<span class="reason" part="message__reason">${format(strings.reasonLabel, { reason })}</span>` : nothing}
        <time datetime=${message.createdAt}>${time}</time>
        ${
          layout.capped
            ? html`<button class="mini more" type="button" aria-expanded=${expanded ? 'true' : 'false'} @click=${() => this.#toggleExpanded(message.id)}>${expanded ? strings.showLess : strings.showMore}</button>`
            : nothing
        }
        ${removed ? nothing : this.#renderMetaControls(item, message)}
      </div>
      ${this.#renderParts(message.parts)}
      <div class="content" part="message__content"><div class="body">${removed ? html`<em>${strings.messageRemoved}</em>` : this.#markdown(message)}</div></div>
      ${this.#renderSources(message)}
      ${this.#renderStatus(message)}
      ${
        actions === nothing && extra === nothing
          ? nothing
          : html`<div class="actions" part="message__actions">${actions}${extra}</div>`
      }
    </article>`;
  }

  #toggleExpanded(id: string): void {
    if (!this.#expanded.delete(id)) this.#expanded.add(id);
    this.requestUpdate();
  }

  /** The version a bubble shows: the reader's choice while no version was added since, else the latest. */
  #shown(item: TranscriptItem): ChatMessage {
    const chosen = this.#chosen.get(item.key);
    const latest = item.versions.at(-1)!;
    if (!chosen || chosen.count !== item.versions.length) return latest;
    return item.versions.find((version) => version.id === chosen.id) ?? latest;
  }

  #renderHistory() {
    const strings = this.strings;
    if (this.#loadingOlder.value)
      return html`<div class="history" role="status">${strings.loadingOlder}</div>`;
    if (this.#windowStart > 0 || this.#hasOlder.value) {
      return html`<div class="history"><button class="button" type="button" @click=${() => this.#showOlder()}>${strings.loadOlder}</button></div>`;
    }
    return (this.#messages.value?.length ?? 0) > 0
      ? html`<div class="history">${strings.startOfConversation}</div>`
      : nothing;
  }

  #renderAnnouncement(announcement: Announcement) {
    const strings = this.strings;
    const text =
      announcement.kind === 'error'
        ? format(strings.announceError, { name: announcement.name })
        : announcement.kind === 'stopped'
          ? format(strings.announceStopped, { name: announcement.name })
          : format(strings.announceMessage, { name: announcement.name, text: announcement.text });
    return html`<p>${text}</p>`;
  }

  override render() {
    const strings = this.strings;
    const messages = this.#messages.value ?? [];
    if (messages !== this.#grouped) {
      this.#grouped = messages;
      this.#items = versionGroups(messages);
    }
    const items = this.#items;
    const start = this.#updateWindow(items);
    const list = items.slice(start);
    const colors = new Map(
      (this.#agents.value ?? []).map((agent) => [agent.id, agent.color] as const),
    );
    const shown = list.map((item) => this.#shown(item));
    const superseded = new Set(
      shown.filter((message, index) => message !== list[index]!.versions.at(-1)).map((m) => m.id),
    );
    // Several agents failing for one cause make one notice: the others are folded into it.
    const failed = failedReplies(shown, superseded);
    const rows = list
      .map((item, index) => ({ item, message: shown[index]! }))
      .filter((row) => !failed.folded.has(row.message.id));
    // While replies stream, the replies from the first streaming one on keep a capped height, so
    // that every one streaming stays in view (docs/decisions.md, "Concurrent replies in a small panel").
    const firstStreaming = rows.findIndex((row) => row.message.status === 'streaming');
    const unpinIndex =
      this.#unpinKey === undefined ? -1 : items.findIndex((item) => item.key === this.#unpinKey);
    const newCount = unpinIndex === -1 ? 0 : items.length - 1 - unpinIndex;
    return html`<div part="log" class="log" role="log" aria-live="off" aria-label=${strings.messagesLabel} tabindex="0" @scroll=${this.#handleScroll}>
        <div class="items">
          ${this.#renderHistory()}
          ${
            list.length === 0
              ? html`<chorus-welcome exportparts="last-session" .state=${this.state} .strings=${strings} .locale=${this.locale}></chorus-welcome>`
              : repeat(
                  rows,
                  (row) => row.item.key,
                  ({ item, message }, index) => {
                    const previous = rows[index - 1]?.message;
                    const newDay =
                      !previous || dayKey(previous.createdAt) !== dayKey(message.createdAt);
                    const layout = {
                      continued:
                        !newDay && previous !== undefined && sameAuthorRun(previous, message),
                      capped:
                        firstStreaming !== -1 &&
                        index >= firstStreaming &&
                        message.author.kind === 'agent',
                    };
                    return guard(
                      [
                        message,
                        item.versions.length,
                        newDay,
                        layout.continued,
                        layout.capped,
                        this.#expanded.has(message.id),
                        this.#copiedId === message.id,
                        colors.get(message.author.id),
                        strings,
                        this.allowedImageHosts,
                        this.locale,
                        this.state,
                        this.messageActions,
                        failed.lead
                          .get(message.id)
                          ?.map((reply) => reply.id)
                          .join(),
                      ],
                      () =>
                        html`${newDay ? html`<div class="day" part="day" role="separator" aria-label=${dayLabel(message.createdAt, this.locale)}><span aria-hidden="true">${dayLabel(message.createdAt, this.locale)}</span></div>` : nothing}${this.#renderMessage(item, message, colors, layout, failed.lead.get(message.id))}`,
                    );
                  },
                )
          }
        </div>
      </div>
      ${
        this.hasNew
          ? html`<button part="new-messages" class="button pill" type="button" @click=${() => this.scrollToBottom()}>${ICONS.down} ${newCount > 0 ? format(strings.newMessagesCount, { count: newCount }) : strings.newMessages}</button>`
          : nothing
      }
      <div class="visually-hidden" aria-live="polite" aria-atomic="false">
        ${repeat(
          this.#announcements.value ?? [],
          (announcement) => announcement.key,
          (announcement) => this.#renderAnnouncement(announcement),
        )}
      </div>`;
  }
}

function clip(text: string): string {
  return shortenText(text, MAX_PART_CHARACTERS);
}

function json(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return clip(value);
  try {
    return clip(JSON.stringify(value, null, 2) ?? '');
  } catch {
    return String(value);
  }
}
