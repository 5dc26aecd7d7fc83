// The `<chorus-chat>` element: its public surface (attributes, properties, methods, events,
// parts, CSS custom properties) and the wiring of a room client to its parts.
// Why one file: the Custom Elements Manifest and widget/README.md are generated from and checked
// against this class, so its whole API stays in one place; the parts that hold their own state
// (header, message list, composer) and the styles live in their own folders.
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { RoomEvents } from '../../../protocol/room.ts';
import { isRoomId } from '../../../protocol/room.ts';
import { ChorusAgentEndEvent } from '../../events/chorus-agent-end.ts';
import { ChorusAgentStartEvent } from '../../events/chorus-agent-start.ts';
import { ChorusErrorEvent } from '../../events/chorus-error.ts';
import { ChorusMessageEvent } from '../../events/chorus-message.ts';
import { ChorusReadyEvent } from '../../events/chorus-ready.ts';
import { STAND_IN_KEY } from '../../embed/chorus-global.ts';
import {
  readConversationMarker,
  writeConversationMarker,
} from '../../embed/conversation-marker.ts';
import { ChorusUnreadEvent } from '../../events/chorus-unread.ts';
import {
  describeError,
  format,
  listNames,
  loadLanguagePack,
  resolveLocale,
  stringsFor,
  type ChorusStrings,
} from '../../i18n/strings.ts';
import type { ChorusError } from '../../lib/chorus-error.ts';
import { StoreController } from '../../lib/store-controller.ts';
import { warnOnce } from '../../lib/warn-once.ts';
import type { ChorusUser } from '../../room/api-types.ts';
import { RoomClient } from '../../room/room-client.ts';
import type { LiveEvent, RoomConnection } from '../../room/room-connection.ts';
import { createChatState, type ChatState } from '../../stores/chat-state.ts';
import type { UnreadMarker } from '../../stores/unread.ts';
import { isDark } from '../../styles/dark-theme.ts';
import { ICONS } from '../../styles/icons.ts';
import { sharedStyles } from '../../styles/shared.styles.ts';
import { tokenStyles } from '../../styles/tokens.styles.ts';
import type { ChorusComposer } from '../composer/composer.ts';
import { readableTitle } from '../header/title.ts';
import { hostResetStyles, launcherStyles } from '../../styles/launcher.styles.ts';
import { chatStyles, FULL_SCREEN_QUERY } from './chat.styles.ts';

export type ChatMode = 'launcher' | 'inline';
export type ChatTheme = 'light' | 'dark' | 'auto';

/** Parts of the inner elements, re-exported so a page can style them as `chorus-chat::part(…)`. */
const HEADER_PARTS = 'header, title, presence, close-button';
const COMPOSER_PARTS =
  'composer, input, send-button, stop-all-button, mention-list, mention-option, handoff-button, counter';
const MARKDOWN_PARTS = [
  'md-root',
  'md-paragraph',
  'md-heading',
  'md-link',
  'md-link-host',
  'md-code',
  'md-code-block',
  'md-copy-button',
  'md-list',
  'md-list-item',
  'md-blockquote',
  'md-rule',
  'md-table',
  'md-table-scroll',
  'md-image',
  'md-image-placeholder',
];
const LIST_PARTS = [
  'log',
  'message',
  'message--agent',
  'message--human',
  'message--system',
  'message--own',
  'message--staff',
  'message__author',
  'message__badge',
  'message__reason',
  'message__content',
  'message__status',
  'message__actions',
  'message__versions',
  'message__stop',
  'message__copy',
  'day',
  'error-notice',
  'last-session',
  'reasoning',
  'tool',
  'citation',
  'new-messages',
  ...MARKDOWN_PARTS,
].join(', ');

/**
 * How long an element waits for its language pack before it renders (and joins) in English; a
 * pack that comes later still replaces the English.
 */
const LANGUAGE_PACK_WAIT_MS = 2000;

const listConverter = {
  fromAttribute: (value: string | null) => (value ?? '').split(/[\s,]+/).filter(Boolean),
  toAttribute: (value: readonly string[]) => value.join(' '),
};

/**
 * A live chat room with people and AI agents.
 *
 * The parts of the header, the message list (Markdown `md-*` parts included) and the composer are
 * re-exported, so `chorus-chat::part(message)` or `chorus-chat::part(send-button)` work. The custom
 * properties may be set on `chorus-chat` or any ancestor (`:root` works); the light and dark
 * defaults are in `styles/tokens.styles.ts`.
 *
 * @summary The Chorus chat: a launcher bubble with a panel, or an inline chat, joined to one room.
 * @tagname chorus-chat
 *
 * @attribute {string} nonce - The page's CSP nonce (the native `nonce`), put on Lit's `<style>` elements where constructable stylesheets are missing.
 *
 * @fires {ChorusReadyEvent} chorus-ready - The session is open and the room joined (once per room). `detail: ChorusReadyDetail`, `{ participant: { id, name }, room: { id, title } }`.
 * @fires {ChorusMessageEvent} chorus-message - A finished message arrived live: a post, a notice, an agent's final reply. `detail: ChorusMessageDetail`, `{ message, own }`.
 * @fires {ChorusAgentStartEvent} chorus-agent-start - An agent started a reply. `detail: ChorusAgentStartDetail`, `{ messageId, agent, reason, replyTo }`.
 * @fires {ChorusAgentEndEvent} chorus-agent-end - An agent's reply ended (`message.status`: `complete`, `cancelled`, `error`, `interrupted`). `detail: ChorusAgentEndDetail`, `{ message }`.
 * @fires {ChorusUnreadEvent} chorus-unread - The unread count changed (messages from others while the chat was closed or the page hidden). `detail: ChorusUnreadDetail`, `{ count }`.
 * @fires {ChorusErrorEvent} chorus-error - Something failed: a connection, a request, a send. `detail: ChorusErrorDetail`, `{ code, message }`.
 *
 * @csspart launcher - The launcher button (launcher mode).
 * @csspart unread-badge - The unread count on the launcher.
 * @csspart panel - The chat panel (a dialog in launcher mode, a region inline).
 * @csspart banner - The connection banner.
 * @csspart typing - The "… is typing" line.
 * @csspart header - The header.
 * @csspart title - The room title.
 * @csspart presence - The list of who is here.
 * @csspart close-button - Closes the launcher's panel.
 * @csspart log - The scrolling list of messages (`role="log"`).
 * @csspart message - One message (also `message--agent`, `message--human`, `message--system`, `message--own`, `message--staff`).
 * @csspart message--agent - A message from an agent.
 * @csspart message--human - A message from a person.
 * @csspart message--system - A notice from the room.
 * @csspart message--own - A message the current user wrote.
 * @csspart message--staff - A message from someone of the site's team (shown as "Ada from the team").
 * @csspart message__author - The author's name.
 * @csspart message__badge - The "AI" badge of an agent (its model as the tooltip).
 * @csspart message__reason - Why an agent answered.
 * @csspart message__content - The text.
 * @csspart message__status - Sending, failed, cancelled, interrupted or error.
 * @csspart message__actions - Retry / Regenerate.
 * @csspart message__versions - The ‹ n/m › switcher between a reply's versions.
 * @csspart message__stop - Stop on a streaming reply, in its author row.
 * @csspart message__copy - Copy a message's text.
 * @csspart day - A date separator.
 * @csspart error-notice - One notice for the agents that failed for one cause, with one Retry.
 * @csspart last-session - A returning visitor's last session, in one line (empty conversation).
 * @csspart reasoning - An agent's reasoning (collapsed).
 * @csspart tool - A tool call and its result (collapsed).
 * @csspart citation - A source an agent reply cites, under it: a link to the site's page (the quote as its tooltip and description), or its title alone.
 * @csspart new-messages - The "new messages" pill.
 * @csspart composer - The message form.
 * @csspart input - The text field.
 * @csspart send-button - Send.
 * @csspart stop-all-button - Stops every reply in progress.
 * @csspart handoff-button - "Talk to a person": asks for someone of the team (a support room that allows it).
 * @csspart mention-list - The @mention menu.
 * @csspart mention-option - One agent in it.
 * @csspart counter - Characters left near the length limit, or over it.
 * @csspart md-root - A message's Markdown.
 * @csspart md-paragraph - A paragraph.
 * @csspart md-heading - A heading (`role="heading"`, levels 3–6).
 * @csspart md-link - A link.
 * @csspart md-link-host - The host shown after a link whose text is not its URL.
 * @csspart md-code - A code span.
 * @csspart md-code-block - A fenced code block.
 * @csspart md-copy-button - The copy button of a code block.
 * @csspart md-list - A list.
 * @csspart md-list-item - A list item.
 * @csspart md-blockquote - A blockquote.
 * @csspart md-rule - A horizontal rule.
 * @csspart md-table - A table.
 * @csspart md-table-scroll - The scrolling box around a table.
 * @csspart md-image - An image from an allowed host.
 * @csspart md-image-placeholder - An image that is not loaded: its alt text and host.
 *
 * @cssproperty --chorus-font-family - Font of everything (default: the system UI font).
 * @cssproperty --chorus-font-size - Base size (default 15px).
 * @cssproperty --chorus-font-mono - Font of code.
 * @cssproperty --chorus-accent - Brand colour: launcher, send button, own messages' edge.
 * @cssproperty --chorus-accent-text - Text and icons on the accent colour.
 * @cssproperty --chorus-background - The panel.
 * @cssproperty --chorus-surface - Messages of others, menus.
 * @cssproperty --chorus-surface-own - Your messages.
 * @cssproperty --chorus-text-color - Text.
 * @cssproperty --chorus-muted-color - Secondary text (times, badges, notices, blockquotes).
 * @cssproperty --chorus-border-color - Borders and rules.
 * @cssproperty --chorus-focus-color - Focus rings.
 * @cssproperty --chorus-danger-color - Errors, the unread badge.
 * @cssproperty --chorus-link-color - Links in messages (default: #0b57d0 light, #a8c7fa dark).
 * @cssproperty --chorus-code-background - Background of code spans and blocks.
 * @cssproperty --chorus-code-color - Text of code spans and blocks (default: the text colour).
 * @cssproperty --chorus-radius - Corner radius of the panel and messages (default 12px).
 * @cssproperty --chorus-spacing - The spacing unit (default 8px); gaps are multiples of it.
 * @cssproperty --chorus-z-index - Stacking of the launcher and its panel.
 * @cssproperty --chorus-shadow - Shadow of the launcher and its panel.
 * @cssproperty --chorus-launcher-size - Diameter of the launcher button (default 56px).
 * @cssproperty --chorus-offset - Distance of the launcher from the viewport's corner (default 20px).
 * @cssproperty --chorus-panel-width - Width of the launcher's panel (default 380px).
 * @cssproperty --chorus-panel-height - Height of the launcher's panel, and of an inline chat without a height (default 600px).
 * @cssproperty --chorus-height - Height of an inline chat (default: --chorus-panel-height).
 *
 * @example
 * <chorus-chat room="support" server="https://chat.example.com" mode="inline" theme="auto"></chorus-chat>
 */
export class ChorusChat extends LitElement {
  static override styles = [hostResetStyles, tokenStyles, sharedStyles, launcherStyles, chatStyles];

  /**
   * The server of chats without a `server` attribute (default: the page's origin). The script
   * tag sets it to the server it was loaded from, so `<chorus-chat room="…">` elements written
   * in the page work as they are.
   */
  static defaultServer = '';

  static override properties = {
    room: { reflect: true },
    server: {},
    name: {},
    mode: { reflect: true },
    theme: { reflect: true },
    locale: {},
    isOpen: { type: Boolean, attribute: 'open', reflect: true },
    allowedImageHosts: { attribute: 'allowed-image-hosts', converter: listConverter },
    noHeader: { type: Boolean, attribute: 'no-header', reflect: true },
    lazy: { type: Boolean, reflect: true },
    strings: { attribute: false },
    connection: { attribute: false },
    chat: { state: true },
  };

  /** The room id (1–64 characters of `A–Z a–z 0–9 _ -`). */
  declare room: string;
  /** The Chorus server's URL (default: this page's origin; the script tag sets it to where it was loaded from). */
  declare server: string;
  /** The display name to join as (default: "Guest"); `setUser` changes it later. */
  declare name: string;
  /** `launcher`: a bubble in the corner that opens a panel; `inline`: the chat fills the element. */
  declare mode: ChatMode;
  /** `light`, `dark`, or `auto`: the page's `color-scheme` when it declares one (`dark` or `light` alone), else `prefers-color-scheme`. */
  declare theme: ChatTheme;
  /** A BCP 47 locale (default: the page's `<html lang>`). */
  declare locale: string;
  /** Whether the launcher's panel is open (the `open` attribute). */
  declare isOpen: boolean;
  /** Hosts whose images in messages may load (https only); none by default. */
  declare allowedImageHosts: string[];
  /** Hides the header (title and who is here). */
  declare noHeader: boolean;
  /**
   * A launcher that joins its room only when it is first opened or sends, or at once when this
   * visitor already has a conversation there (the script tag's launchers are lazy).
   */
  declare lazy: boolean;
  /** Overrides of any of the widget's strings. */
  declare strings: Partial<ChorusStrings> | undefined;
  /** A room connection to use instead of connecting to `server` (tests, custom transports). */
  declare connection: RoomConnection | undefined;
  declare private chat: ChatState | undefined;

  readonly #unread = new StoreController(this, () => this.chat?.unread.$unread);
  readonly #connectionState = new StoreController(this, () => this.chat?.status.$connection);
  readonly #session = new StoreController(this, () => this.chat?.status.$session);
  readonly #typingNames = new StoreController(this, () => this.chat?.typing.$typing);
  readonly #actionError = new StoreController(this, () => this.chat?.transcript.$actionError);
  #active:
    | {
        chat: ChatState;
        owned: RoomConnection | undefined;
        marker: UnreadMarker | undefined;
        joined: boolean;
        dispose: () => void;
      }
    | undefined;
  #user: ChorusUser | undefined;
  #teardownTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #onVisibility = () => this.#updateSeen();
  readonly #onMedia = () => this.requestUpdate();
  readonly #onViewport = () => this.#followViewport();
  #restoreFocus = false;
  /** The page's `overflow` before a full-screen panel locked its scrolling. */
  #pageOverflow: string | undefined;

  constructor() {
    super();
    this.room = '';
    this.server = '';
    this.name = '';
    this.mode = 'launcher';
    this.theme = 'auto';
    this.locale = '';
    this.isOpen = false;
    this.allowedImageHosts = [];
    this.noHeader = false;
    this.lazy = false;
    this.strings = undefined;
    this.connection = undefined;
    this.chat = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    clearTimeout(this.#teardownTimer);
    document.addEventListener('visibilitychange', this.#onVisibility);
    for (const query of media()) query.addEventListener('change', this.#onMedia);
    // Put back in the page after it had left the room: join again.
    if (this.hasUpdated && !this.#active) this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.#onVisibility);
    for (const query of media()) query.removeEventListener('change', this.#onMedia);
    this.#setModal(false);
    // A move in the DOM (SPA re-render) reconnects at once: only leave the room if it stays out.
    this.#teardownTimer = setTimeout(() => {
      if (!this.isConnected) this.#teardown();
    }, 0);
  }

  /** Opens the launcher's panel and moves focus to the message field. */
  open(): void {
    this.isOpen = true;
  }

  /** Closes the launcher's panel; focus returns to the launcher if it was in the panel. */
  close(): void {
    this.isOpen = false;
  }

  /** Opens the launcher's panel if it is closed, closes it if it is open. */
  toggle(): void {
    this.isOpen = !this.isOpen;
  }

  /**
   * Sends a message as the current user; resolves false if it could not be sent (the message
   * then shows Retry).
   * @example await chat.send('@sage what is new?');
   */
  async send(text: string): Promise<boolean> {
    if (!this.chat) {
      warnOnce(
        'send-before-connect',
        '<chorus-chat>.send() was called before the element had a room to send to',
      );
      return false;
    }
    this.#join();
    return this.chat.transcript.sendMessage(text);
  }

  /**
   * Speaks under another name, or as a user your site vouches for (`identity`: see the docs).
   * @example chat.setUser({ name: 'Ada Lovelace' });
   */
  async setUser(user: ChorusUser): Promise<void> {
    this.#user = user;
    this.name = user.name;
    await this.chat?.connection
      .setUser(user)
      .catch((error: unknown) => this.#reportError(error as ChorusError));
  }

  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    // Without adoptedStyleSheets Lit writes <style> elements; under a strict CSP they need the page's nonce.
    const nonce = this.nonce || this.getAttribute('nonce');
    const scope = globalThis as { litNonce?: string };
    if (nonce && scope.litNonce === undefined) scope.litNonce = nonce;
    const root = super.createRenderRoot();
    // The loader's stand-in launcher (chorus.js) drew in this shadow root before the element was
    // defined: it stays until the first render replaces it (update), so the button never blinks.
    if (root.querySelector(`[${STAND_IN_KEY}]`)) this.renderOptions.renderBefore = null;
    return root;
  }

  protected override update(changed: PropertyValues<this>): void {
    if (!this.hasUpdated)
      for (const node of this.renderRoot.querySelectorAll(`[${STAND_IN_KEY}]`)) node.remove();
    super.update(changed);
  }

  /**
   * Holds an update back until the language pack of a locale other than English is loaded (once
   * per page; at most LANGUAGE_PACK_WAIT_MS), so that a French page never shows English first and
   * a guest joins as "Invité". English and loaded packs do not wait.
   */
  protected override async scheduleUpdate(): Promise<void> {
    const pack = loadLanguagePack(this.#resolvedLocale, this.#server);
    if (pack)
      await Promise.race([
        pack.then(() => this.requestUpdate()),
        new Promise((resolve) => setTimeout(resolve, LANGUAGE_PACK_WAIT_MS)),
      ]);
    await super.scheduleUpdate();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('isOpen') && changed.get('isOpen') === true && !this.isOpen) {
      // The panel is about to go: if focus is in it, it comes back to the launcher.
      const focused = this.shadowRoot?.activeElement;
      this.#restoreFocus = !!focused && !focused.classList.contains('launcher');
    }
    if (
      changed.has('room') ||
      changed.has('server') ||
      changed.has('connection') ||
      (!this.#active && this.isConnected)
    )
      this.#rebuild();
    else if (
      changed.has('name') &&
      changed.get('name') !== undefined &&
      this.name.trim() &&
      this.name !== this.#user?.name
    )
      void this.setUser({ name: this.name.trim() });
    if (this.#active?.joined === false && this.#wantsRoom()) this.#join();
    this.#updateSeen();
  }

  protected override updated(changed: PropertyValues): void {
    const dialog = this.renderRoot.querySelector<HTMLDialogElement>('dialog');
    const modal = !!dialog && this.isConnected && media()[1]!.matches;
    // Full screen, the panel is a modal dialog (Tab stays in it, the page behind is inert);
    // floating, a non-modal one beside the page (docs/architecture.md §11).
    if (dialog && this.isConnected && (!dialog.open || dialog.matches(':modal') !== modal)) {
      if (dialog.open) dialog.close();
      if (modal) dialog.showModal();
      else dialog.show();
      if (!changed.has('isOpen')) void this.#focusComposer();
    }
    this.#setModal(modal);
    if (changed.has('isOpen') && changed.get('isOpen') !== undefined && this.mode === 'launcher') {
      if (this.isOpen) void this.#focusComposer();
      else if (this.#restoreFocus) this.renderRoot.querySelector<HTMLElement>('.launcher')?.focus();
    }
    this.#restoreFocus = false;
  }

  /** While the panel fills the screen: the page behind does not scroll, and the panel follows the visual viewport. */
  #setModal(modal: boolean): void {
    if (modal === (this.#pageOverflow !== undefined)) return;
    const root = document.documentElement.style;
    const listen = modal ? 'addEventListener' : 'removeEventListener';
    for (const type of ['resize', 'scroll'])
      window.visualViewport?.[listen](type, this.#onViewport);
    if (modal) {
      this.#pageOverflow = root.overflow;
      root.overflow = 'hidden';
      this.#followViewport();
    } else {
      root.overflow = this.#pageOverflow!;
      this.#pageOverflow = undefined;
      for (const name of ['top', 'height']) this.style.removeProperty(`--_c-vv-${name}`);
    }
  }

  /** The on-screen keyboard shrinks the visual viewport: the full-screen panel shrinks with it. */
  #followViewport(): void {
    const viewport = window.visualViewport;
    if (!viewport) return;
    this.style.setProperty('--_c-vv-top', `${viewport.offsetTop}px`);
    this.style.setProperty('--_c-vv-height', `${viewport.height}px`);
  }

  /** Whether the panel is dark (dark-theme.ts). */
  get #dark(): boolean {
    return isDark(this.theme, this, () => media()[0]!.matches);
  }

  get #strs(): ChorusStrings {
    return stringsFor(this.#resolvedLocale, this.strings);
  }

  get #resolvedLocale(): string {
    return resolveLocale(this.locale || this.closest('[lang]')?.getAttribute('lang'));
  }

  get #server(): string {
    return this.server || ChorusChat.defaultServer || location.origin;
  }

  #rebuild(): void {
    this.#teardown();
    let connection = this.connection;
    let owned: RoomConnection | undefined;
    let marker: UnreadMarker | undefined;
    if (!connection) {
      if (!isRoomId(this.room)) {
        if (this.room)
          warnOnce(
            'invalid-room',
            `<chorus-chat room="${this.room}">: a room id is 1–64 characters of A–Z, a–z, 0–9, _ or -`,
          );
        return;
      }
      const user = this.#user ?? { name: this.name.trim() || this.#strs.guestName };
      const { room } = this;
      const server = this.#server;
      connection = owned = new RoomClient({ server, room, user });
      // What the visitor has seen, for the badge after a reload and for the loader (chorus.js).
      marker = {
        read: () => readConversationMarker(server, room),
        write: (seen) => writeConversationMarker(server, room, seen),
      };
    }
    const chat = createChatState(connection, {
      onError: (error) => this.#reportError(error),
      ...(marker ? { marker } : {}),
    });
    let ready = false;
    // `chorus-ready` once, when the room is open with a session (maybe at once: a shared connection).
    const checkReady = () => {
      const session = connection.session();
      if (ready || !session || connection.state().status !== 'open') return;
      ready = true;
      this.dispatchEvent(
        new ChorusReadyEvent({ participant: session.participant, room: session.room }),
      );
    };
    const offs = [
      connection.on('live', (live) => this.#forwardLive(live)),
      connection.on('error', (error) => this.#reportError(error)),
      connection.on('state', checkReady),
      chat.unread.$unread.listen((count) => this.dispatchEvent(new ChorusUnreadEvent({ count }))),
    ];
    const dispose = () => offs.forEach((off) => off());
    this.#active = { chat, owned, marker, joined: false, dispose };
    this.chat = chat;
    queueMicrotask(checkReady);
  }

  /** Always, but for a lazy launcher: once opened, or when its visitor has a conversation there. */
  #wantsRoom(): boolean {
    return !this.lazy || this.mode !== 'launcher' || this.isOpen || !!this.#active?.marker?.read();
  }

  /** Joins the room (once per connection): at once, or for a lazy launcher when it is wanted. */
  #join(): void {
    const active = this.#active;
    if (!active || active.joined) return;
    active.joined = true;
    active.chat.connection.connect();
  }

  #teardown(): void {
    if (!this.#active) return;
    this.#active.dispose();
    void this.#active.owned?.disconnect();
    this.#active = undefined;
    this.chat = undefined;
  }

  #forwardLive({ event, payload }: LiveEvent): void {
    const self = this.chat?.connection.session()?.participant.id;
    if (event === 'message-start') {
      const start = payload as RoomEvents['message-start'];
      this.dispatchEvent(
        new ChorusAgentStartEvent({
          messageId: start.id,
          agent: start.author,
          reason: start.reason,
          replyTo: start.replyTo,
        }),
      );
    } else if (event === 'message' || event === 'message-end') {
      const { message } = payload as RoomEvents['message'];
      this.dispatchEvent(
        new ChorusMessageEvent({
          message,
          own: message.author.kind === 'human' && message.author.id === self,
        }),
      );
      if (event === 'message-end' && message.author.kind === 'agent')
        this.dispatchEvent(new ChorusAgentEndEvent({ message }));
    }
  }

  #reportError(error: ChorusError): void {
    this.dispatchEvent(new ChorusErrorEvent({ code: error.code, message: error.message }));
  }

  #updateSeen(): void {
    this.chat?.unread.setSeen(
      (this.mode === 'inline' || this.isOpen) && document.visibilityState !== 'hidden',
    );
  }

  async #focusComposer(): Promise<void> {
    await this.updateComplete;
    const composer = this.renderRoot.querySelector<ChorusComposer>('chorus-composer');
    await composer?.updateComplete;
    composer?.focusInput();
  }

  #handleLauncherClick(): void {
    this.toggle();
  }

  /** Escape in the modal panel: close through `close()`, so the element's state follows. */
  #handleCancel(event: Event): void {
    event.preventDefault();
    this.close();
  }

  #handlePanelKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Escape' || this.mode !== 'launcher' || event.defaultPrevented) return;
    event.preventDefault();
    this.close();
  }

  #renderLauncher(strings: ChorusStrings) {
    const count = this.#unread.value ?? 0;
    const label = this.isOpen
      ? strings.closeChat
      : count > 0
        ? `${strings.openChat}, ${format(strings.unreadCount, { count })}`
        : strings.openChat;
    return html`<button part="launcher" class="launcher ${this.#dark ? 'dark' : ''}" type="button" aria-label=${label} aria-expanded=${this.isOpen ? 'true' : 'false'} aria-controls="panel" @click=${this.#handleLauncherClick}>
      ${this.isOpen ? ICONS.close : ICONS.chat}
      ${count > 0 && !this.isOpen ? html`<span part="unread-badge" class="badge" aria-hidden="true">${count > 99 ? '99+' : count}</span>` : nothing}
    </button>`;
  }

  #renderBanner(strings: ChorusStrings) {
    const state = this.#connectionState.value;
    const failed = this.#actionError.value;
    if (!this.chat) return banner(strings.notConfigured, true);
    if (failed && (!state || state.status === 'open'))
      return banner(format(strings.actionFailed, { error: describeError(failed, strings) }), true);
    if (!state || state.status === 'open' || state.status === 'idle') return nothing;
    if (state.status === 'connecting') return banner(strings.connecting, false);
    const isError = state.status === 'error';
    return banner(
      isError
        ? format(strings.connectionError, { message: describeError(state.error, strings) })
        : strings.reconnecting,
      isError,
      html`<button class="button" type="button" @click=${() => this.chat?.status.reconnect()}>${strings.retryNow}</button>`,
    );
  }

  #renderPanel(strings: ChorusStrings) {
    const launcher = this.mode === 'launcher';
    const title = readableTitle(this.#session.value?.room, strings.chatTitle);
    const typing = this.#typingNames.value ?? [];
    const locale = this.#resolvedLocale;
    const content = html`${
      this.noHeader
        ? nothing
        : html`<chorus-chat-header exportparts=${HEADER_PARTS} .state=${this.chat} .strings=${strings} .roomTitle=${title} .closable=${launcher} .onClose=${() => this.close()}></chorus-chat-header>`
    }
      ${this.#renderBanner(strings)}
      <chorus-message-list exportparts=${LIST_PARTS} .state=${this.chat} .strings=${strings} .locale=${locale} .allowedImageHosts=${this.allowedImageHosts}></chorus-message-list>
      <div part="typing" class="typing">${typing.length === 0 ? nothing : format(typing.length === 1 ? strings.typingOne : strings.typingMany, { names: listNames(typing, locale) })}</div>
      <chorus-composer exportparts=${COMPOSER_PARTS} .state=${this.chat} .strings=${strings} .locale=${locale}></chorus-composer>`;
    const classes = `panel panel--${launcher ? 'launcher' : 'inline'} ${this.#dark ? 'dark' : ''}`;
    // updated() shows the dialog, modal when it fills the screen. The <section> inside keeps the
    // header from being a second banner landmark of the page (a <header> outside sectioning content is one).
    return launcher
      ? html`<dialog id="panel" part="panel" class=${classes} aria-label=${title} @keydown=${this.#handlePanelKeydown} @cancel=${this.#handleCancel}><section class="panel__content">${content}</section></dialog>`
      : html`<section id="panel" part="panel" class=${classes} role="region" aria-label=${title}>${content}</section>`;
  }

  override render() {
    const strings = this.#strs;
    const launcher = this.mode === 'launcher';
    return html`${launcher ? this.#renderLauncher(strings) : nothing}${!launcher || this.isOpen ? this.#renderPanel(strings) : nothing}`;
  }
}

let queries: MediaQueryList[] | undefined;
/** [prefers dark, full screen]; made on first use, so the module also loads where there is no DOM. */
const media = () =>
  (queries ??= ['(prefers-color-scheme: dark)', FULL_SCREEN_QUERY].map((query) =>
    matchMedia(query),
  ));

/** The connection banner: an alert for errors, a status otherwise. */
function banner(text: string, isError: boolean, action: TemplateResult | typeof nothing = nothing) {
  return html`<div part="banner" class="banner ${isError ? 'banner--error' : ''}" role=${isError ? 'alert' : 'status'}><span class="banner__text">${text}</span>${action}</div>`;
}
