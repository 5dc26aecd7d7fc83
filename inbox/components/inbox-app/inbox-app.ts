// The operator inbox page (docs/architecture.md §8): sign-in, the support rooms, the live list of
// conversations and the open one, one pane at a time on a phone.
// Why one file: signing in, switching rooms, signing out and opening a conversation are one state
// machine (each closes what the previous state had open: the staff session, the inbox channel,
// the conversation's channel); the form, the top bar and the panes' contents are split out.
import { html, LitElement, nothing } from 'lit';
import type { Conversation } from '../../../protocol/room.ts';
import type { AdminRoom } from '../../../protocol/schemas/rest.ts';
import { format } from '../../../widget/i18n/strings.ts';
import { ChorusError, toChorusError } from '../../../widget/lib/chorus-error.ts';
import { StoreController } from '../../../widget/lib/store-controller.ts';
import type { RoomChannelFactory } from '../../../widget/room/room-channel.ts';
import { createChatState, type ChatState } from '../../../widget/stores/chat-state.ts';
import { sharedStyles } from '../../../widget/styles/shared.styles.ts';
import { tokenStyles } from '../../../widget/styles/tokens.styles.ts';
import {
  forgetCredential,
  keepRoom,
  keptRoom,
  saveSignIn,
  tabStorage,
  takeSignIn,
} from '../../api/credentials.ts';
import { InboxApi, type Credential } from '../../api/inbox-api.ts';
import type { ChorusConversationOpenEvent, ChorusSignInEvent } from '../../events.ts';
import type { InboxChannelFactory } from '../../room/inbox-channel.ts';
import { SupportInbox } from '../../room/support-inbox.ts';
import { INBOX_STRINGS } from '../../strings.ts';
import type { ChorusConversationList } from '../conversation-list/conversation-list.ts';
import type { ChorusConversationView } from '../conversation-view/conversation-view.ts';
import { inboxAppStyles } from './inbox-app.styles.ts';
import { renderTopbar } from './topbar.ts';

/** At this width and below, one pane shows at a time. */
const NARROW_QUERY = '(max-width: 720px)';

type Phase = 'signed-out' | 'loading' | 'ready' | 'failed';

/**
 * @summary The operator inbox: `<chorus-inbox>` is the whole page of `/inbox/`. It reads the
 * admin key (or an identity JWT) from the address's fragment, lists the support rooms, and shows
 * one room's conversations live beside the one being answered.
 * @csspart topbar - The title, the room picker and who is signed in.
 */
export class ChorusInbox extends LitElement {
  static override styles = [tokenStyles, sharedStyles, inboxAppStyles];

  static override properties = {
    server: {},
    theme: { reflect: true },
    narrow: { type: Boolean, reflect: true },
    phase: { state: true },
    problem: { state: true },
    rooms: { state: true },
    inbox: { state: true },
    openId: { state: true },
    chat: { state: true },
    needsKey: { state: true },
  };

  /** The Chorus server (default: the page's origin). */
  declare server: string;
  declare theme: 'light' | 'dark' | 'auto';
  /** Set while the window is phone-sized: one pane at a time. */
  declare narrow: boolean;
  declare private phase: Phase;
  declare private problem: string | null;
  declare private rooms: readonly AdminRoom[];
  declare private inbox: SupportInbox | undefined;
  declare private openId: string | null;
  declare private chat: ChatState | undefined;
  declare private needsKey: boolean;

  /** Tests: a fetch, and the channels, to use instead of the network's. */
  fetchImpl: typeof fetch | undefined;
  createInboxChannel: InboxChannelFactory | undefined;
  createChannel: RoomChannelFactory | undefined;
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;

  readonly #strings = INBOX_STRINGS;
  #credential: Credential | null = null;
  #name: string | null = null;
  #media: MediaQueryList | undefined;
  readonly #onMedia = () => (this.narrow = this.#media?.matches ?? false);
  readonly #conversations = new StoreController(this, () => this.inbox?.list.$conversations);
  readonly #loading = new StoreController(this, () => this.inbox?.list.$loading);
  readonly #hasMore = new StoreController(this, () => this.inbox?.list.$hasMore);
  readonly #listError = new StoreController(this, () => this.inbox?.list.$error);
  readonly #live = new StoreController(this, () => this.inbox?.$live);

  constructor() {
    super();
    this.server = globalThis.location?.origin ?? '';
    this.theme = 'auto';
    this.narrow = false;
    this.phase = 'signed-out';
    this.problem = null;
    this.rooms = [];
    this.openId = null;
    this.needsKey = true;
    this.storage = tabStorage();
    this.addEventListener('chorus-conversation-open', (event: ChorusConversationOpenEvent) =>
      this.#openConversation(event.conversationId),
    );
    this.addEventListener('chorus-conversation-back', () => this.#back());
    this.addEventListener('chorus-load-more', () => void this.inbox?.list.loadMore());
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#media = globalThis.matchMedia?.(NARROW_QUERY);
    this.#media?.addEventListener('change', this.#onMedia);
    this.#onMedia();
    globalThis.addEventListener?.('hashchange', this.#onHash);
    this.#takeSignIn();
  }

  /** The inbox link pasted into a tab already on /inbox/ changes only the fragment. */
  readonly #onHash = () => {
    if (globalThis.location?.hash) this.#takeSignIn();
  };

  #takeSignIn(): void {
    const signIn = takeSignIn(globalThis.location, globalThis.history ?? null, this.storage);
    if (signIn.credential) this.#credential = signIn.credential;
    if (signIn.name) this.#name = signIn.name;
    this.needsKey = !this.#credential;
    if (this.#credential && this.#name && this.phase !== 'loading') void this.#signIn();
  }

  protected override updated(): void {
    // Waiting visitors show in the tab's title, for an operator working in another tab.
    const waiting = (this.#conversations.value ?? []).filter((row) => row.status === 'waiting');
    const title =
      waiting.length > 0 ? `(${waiting.length}) ${this.#strings.title}` : this.#strings.title;
    if (globalThis.document && document.title !== title) document.title = title;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#media?.removeEventListener('change', this.#onMedia);
    globalThis.removeEventListener?.('hashchange', this.#onHash);
    void this.inbox?.disconnect();
  }

  get #api(): InboxApi {
    return new InboxApi({
      server: this.server,
      ...(this.fetchImpl ? { fetch: this.fetchImpl } : {}),
    });
  }

  async #signIn(): Promise<void> {
    const credential = this.#credential;
    const name = this.#name;
    if (!credential || !name) return;
    this.phase = 'loading';
    this.problem = null;
    try {
      const rooms =
        credential.kind === 'admin-key' ? await this.#api.listSupportRooms(credential.key) : [];
      const ids = credential.kind === 'identity' ? [credential.room] : rooms.map((room) => room.id);
      this.rooms = rooms;
      const kept = keptRoom(this.storage);
      const room = ids.find((id) => id === kept) ?? ids[0];
      if (!room) {
        this.phase = 'ready';
        return;
      }
      await this.#selectRoom(room);
      // An identity with the admin role staffs every room: its token may list them.
      const staff = this.inbox?.staff.current;
      if (credential.kind === 'identity' && staff?.participant.role === 'admin')
        this.rooms = await this.#api.listSupportRooms(staff.token).catch(() => []);
    } catch (error) {
      const status = error instanceof ChorusError ? error.status : undefined;
      const refused = status === 401 || status === 403;
      if (refused) {
        forgetCredential(this.storage);
        this.#credential = null;
        this.needsKey = true;
      }
      // A refused key, or a name the room refuses (an agent's, 409): back to the form, saying why.
      this.phase = refused || status === 400 || status === 409 ? 'signed-out' : 'failed';
      this.problem = error instanceof Error ? error.message : String(error);
    }
  }

  async #selectRoom(room: string): Promise<void> {
    const credential = this.#credential;
    if (!credential || !this.#name) return;
    this.#closeConversation();
    await this.inbox?.disconnect();
    this.inbox = undefined;
    const inbox = await SupportInbox.open({
      server: this.server,
      api: this.#api,
      credential,
      room,
      name: this.#name,
      ...(this.fetchImpl ? { fetch: this.fetchImpl } : {}),
      ...(this.createInboxChannel ? { createInboxChannel: this.createInboxChannel } : {}),
      ...(this.createChannel ? { createChannel: this.createChannel } : {}),
      onError: (error) => this.#report(error),
    });
    keepRoom(this.storage, room);
    this.inbox = inbox;
    this.phase = 'ready';
  }

  /** The room picker: another support room (a refusal is shown; the list stays empty). */
  async #switchRoom(room: string): Promise<void> {
    try {
      await this.#selectRoom(room);
    } catch (error) {
      this.#report(toChorusError(error));
    }
  }

  #report(error: ChorusError): void {
    this.problem = format(this.#strings.actionFailed, { error: error.message });
  }

  #openConversation(id: string): void {
    const inbox = this.inbox;
    if (!inbox) return;
    if (this.openId !== id) {
      const connection = inbox.open(id);
      this.chat = createChatState(connection, { onError: (error) => this.#report(error) });
      this.openId = id;
    }
    void this.updateComplete.then(() => this.#view?.focusComposer());
  }

  #closeConversation(): void {
    this.inbox?.closeConversation();
    this.chat = undefined;
    this.openId = null;
  }

  /** Escape or the back button: back to the list, on the row that was open. */
  #back(): void {
    const id = this.openId;
    if (this.narrow) this.#closeConversation();
    void this.updateComplete.then(() => this.#list?.focusRow(id));
  }

  get #view(): ChorusConversationView | null {
    return this.renderRoot.querySelector('chorus-conversation-view');
  }

  get #list(): ChorusConversationList | null {
    return this.renderRoot.querySelector('chorus-conversation-list');
  }

  #handleSignIn(event: ChorusSignInEvent): void {
    if (event.key) this.#credential = { kind: 'admin-key', key: event.key };
    this.#name = event.name;
    if (!this.#credential) return;
    saveSignIn(this.storage, { credential: this.#credential, name: this.#name });
    void this.#signIn();
  }

  #signOut(): void {
    forgetCredential(this.storage);
    this.#closeConversation();
    void this.inbox?.disconnect();
    this.inbox = undefined;
    this.#credential = null;
    this.needsKey = true;
    this.rooms = [];
    this.phase = 'signed-out';
  }

  #renderPanes() {
    const strings = this.#strings;
    const inbox = this.inbox;
    if (!inbox) return html`<p class="notice">${strings.noSupportRooms}</p>`;
    const conversations = this.#conversations.value ?? [];
    const open: Conversation | undefined = conversations.find((row) => row.id === this.openId);
    const listError = this.#listError.value;
    return html`<div class="panes ${this.openId ? 'panes--open' : ''}">
      <section class="pane pane--list" aria-label=${strings.conversationsLabel}>
        <h2 class="visually-hidden">${strings.conversationsLabel}</h2>
        ${listError ? html`<p class="problem" role="alert">${listError.message}</p>` : nothing}
        <chorus-conversation-list
          .conversations=${conversations}
          .selectedId=${this.openId}
          .hasMore=${this.#hasMore.value ?? false}
          .loading=${this.#loading.value ?? false}
        ></chorus-conversation-list>
      </section>
      <section class="pane pane--conversation" aria-label=${open?.visitor.name ?? strings.pickConversation}>
        <chorus-conversation-view
          ?narrow=${this.narrow}
          .inbox=${inbox}
          .state=${this.chat}
          .conversation=${open}
        ></chorus-conversation-view>
      </section>
    </div>`;
  }

  override render() {
    const strings = this.#strings;
    if (this.phase === 'signed-out')
      return html`<chorus-inbox-sign-in
        .needsKey=${this.needsKey}
        .name=${this.#name ?? ''}
        .problem=${this.problem}
        @chorus-sign-in=${this.#handleSignIn}
      ></chorus-inbox-sign-in>`;
    return html`${renderTopbar({
      strings,
      rooms: this.rooms,
      current: this.inbox?.room,
      live: this.#live.value,
      name: this.#name ?? '',
      onRoom: (room) => void this.#switchRoom(room),
      onSignOut: () => this.#signOut(),
    })}
      ${this.problem && this.phase !== 'failed' ? html`<p class="problem banner" role="alert">${this.problem}</p>` : nothing}
      ${
        this.phase === 'loading'
          ? html`<p class="notice" role="status">${strings.loadingRooms}</p>`
          : this.phase === 'failed'
            ? html`<p class="problem notice" role="alert">${this.problem}</p>`
            : this.#renderPanes()
      }`;
  }
}
