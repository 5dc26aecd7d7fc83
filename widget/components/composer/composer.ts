import { html, LitElement, nothing } from 'lit';
import { format, type ChorusStrings } from '../../i18n/strings.ts';
import { cssProps, safeColor } from '../../lib/css-props.ts';
import { StoreController } from '../../lib/store-controller.ts';
import type { ChatState } from '../../stores/chat-state.ts';
import { canSend, MAX_MESSAGE_CHARS, MENTION_ALL } from '../../stores/composer.ts';
import { ICONS } from '../../styles/icons.ts';
import { sharedStyles } from '../../styles/shared.styles.ts';
import { composerStyles } from './composer.styles.ts';

/**
 * @summary The message field: Enter sends, Shift+Enter is a new line, `@` opens the agent menu
 * (ArrowUp/Down to move, Enter or Tab to pick, Escape to close), and Stop all while replies stream.
 * @csspart composer - The form.   @csspart input - The text field.   @csspart send-button - Send.
 * @csspart mention-list - The @mention menu.   @csspart mention-option - One agent in it.
 * @csspart stop-all-button - Stops every reply in progress.
 * @csspart handoff-button - "Talk to a person" (a support conversation the agents answer).
 * @csspart counter - Characters left (shown near the length limit) or over it; Send is disabled
 * while the draft is blank or over, and an over-long draft stays in the field.
 */
export class ChorusComposer extends LitElement {
  static override styles = [sharedStyles, composerStyles];

  static override properties = {
    state: { attribute: false },
    strings: { attribute: false },
    locale: {},
  };

  declare state: ChatState | undefined;
  declare strings: ChorusStrings;
  declare locale: string;

  readonly #draft = new StoreController(this, () => this.state?.composer.$draft);
  readonly #mention = new StoreController(this, () => this.state?.composer.$mention);
  readonly #streaming = new StoreController(this, () => this.state?.transcript.$streaming);
  readonly #session = new StoreController(this, () => this.state?.status.$session);
  readonly #conversation = new StoreController(this, () => this.state?.status.$conversation);
  readonly #muted = new StoreController(this, () => this.state?.status.$muted);
  #caretAfterUpdate: number | undefined;

  constructor() {
    super();
    this.state = undefined;
    this.locale = 'en';
  }

  /** Moves focus to the text field. */
  focusInput(): void {
    this.#input?.focus();
  }

  get #input(): HTMLTextAreaElement | null {
    return this.renderRoot.querySelector('textarea');
  }

  protected override updated(): void {
    const input = this.#input;
    if (!input) return;
    // The field shows the draft: what was typed is the draft already; a pick or a send changes it.
    // (Lit's `live` directive does this for a binding; set here, it costs the bundle nothing.)
    const draft = this.#draft.value ?? '';
    if (input.value !== draft) input.value = draft;
    if (this.#caretAfterUpdate === undefined) return;
    input.setSelectionRange(this.#caretAfterUpdate, this.#caretAfterUpdate);
    this.#caretAfterUpdate = undefined;
  }

  #handleInput(event: InputEvent): void {
    const input = event.target as HTMLTextAreaElement;
    this.state?.composer.input(input.value, input.selectionStart);
  }

  #handleCaret(): void {
    const input = this.#input;
    if (input && input.selectionStart === input.selectionEnd)
      this.state?.composer.moveCaret(input.selectionStart);
  }

  #handleKeyup(event: KeyboardEvent): void {
    const moves =
      ['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key) ||
      (!this.#mention.value && (event.key === 'ArrowUp' || event.key === 'ArrowDown'));
    if (moves) this.#handleCaret();
  }

  #handleKeydown(event: KeyboardEvent): void {
    const composer = this.state?.composer;
    if (!composer || event.isComposing || event.keyCode === 229) return;
    const menu = this.#mention.value;
    if (menu) {
      switch (event.key) {
        case 'ArrowDown':
        case 'ArrowUp':
          event.preventDefault();
          composer.moveMention(event.key === 'ArrowDown' ? 1 : -1);
          return;
        case 'Enter':
        case 'Tab':
          if (event.shiftKey) break;
          event.preventDefault();
          this.#pick();
          return;
        case 'Escape':
          event.preventDefault(); // handled: the launcher panel stays open
          composer.closeMention();
          return;
      }
    }
    if (
      event.key === 'Enter' &&
      !event.shiftKey &&
      !event.altKey &&
      !event.ctrlKey &&
      !event.metaKey
    ) {
      event.preventDefault();
      composer.submit();
    }
  }

  #pick(index?: number): void {
    const picked = this.state?.composer.pickMention(index);
    if (!picked) return;
    this.#caretAfterUpdate = picked.caret;
    this.focusInput();
  }

  #handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    this.state?.composer.submit();
    this.focusInput();
  }

  #renderMenu() {
    const strings = this.strings;
    const menu = this.#mention.value;
    return html`<ul id="mentions" class="mentions" part="mention-list" role="listbox" aria-label=${strings.mentionList} ?hidden=${!menu}>
      ${
        menu?.options.map(
          (agent, index) => html`<li
          id="mention-${index}"
          class="option"
          part="mention-option"
          role="option"
          aria-selected=${index === menu.active ? 'true' : 'false'}
          ${cssProps({ '--chorus-author-color': safeColor(agent.color) })}
          @mousedown=${(event: MouseEvent) => event.preventDefault()}
          @click=${() => this.#pick(index)}
        >
          <span class="dot" aria-hidden="true"></span><span class="handle">@${agent.handle}</span> <span class="name">${agent === MENTION_ALL ? strings.mentionAll : agent.name}</span>
        </li>`,
        ) ?? nothing
      }
    </ul>`;
  }

  /**
   * A support conversation's status, "Talk to a person" while the agents answer (if the room
   * allows it), and a mute: in a live region, so a change is read out.
   */
  #renderNotice() {
    const strings = this.strings;
    const muted = this.#muted.value;
    const { status, by } = this.#conversation.value ?? {};
    const line =
      status === 'waiting'
        ? strings.statusWaiting
        : status === 'human'
          ? format(strings.statusHuman, {
              name: format(strings.staffAuthor, { name: by?.name ?? strings.someone }),
            })
          : status === 'closed'
            ? strings.statusClosed
            : '';
    return html`<div class="notice" role="status">
      ${
        muted === false || muted === undefined
          ? nothing
          : html`<p>${
              muted
                ? format(strings.mutedUntil, {
                    time: new Date(muted).toLocaleString(this.locale, {
                      dateStyle: 'medium',
                      timeStyle: 'short',
                    }),
                  })
                : strings.muted
            }</p>`
      }
      ${line ? html`<p>${line}</p>` : nothing}
    </div>
    ${
      status === 'bot' && this.#session.value?.room.handoff && this.state?.connection.handoff
        ? html`<button part="handoff-button" class="button handoff" type="button" @click=${() => this.state?.transcript.askForPerson()}>${strings.talkToPerson}</button>`
        : nothing
    }`;
  }

  override render() {
    const strings = this.strings;
    const menu = this.#mention.value;
    const streaming = this.#streaming.value?.length ?? 0;
    const muted = this.#muted.value !== false && this.#muted.value !== undefined;
    const draft = this.#draft.value ?? '';
    const left = MAX_MESSAGE_CHARS - draft.length;
    const counter =
      left < MAX_MESSAGE_CHARS / 10
        ? format(left < 0 ? strings.charactersOver : strings.charactersLeft, {
            count: Math.abs(left).toLocaleString(this.locale),
          })
        : '';
    return html`${this.#renderNotice()}<form part="composer" class="composer" @submit=${this.#handleSubmit}>
      ${
        streaming > 0
          ? html`<div class="stop-all">
            <button part="stop-all-button" class="button button--danger" type="button" aria-label=${strings.stopAllLabel} @click=${() => this.state?.transcript.stopAll()}>
              ${ICONS.stop} ${strings.stopAll}
            </button>
          </div>`
          : nothing
      }
      <div class="row">
        <div class="field" role="combobox" aria-haspopup="listbox" aria-expanded=${menu ? 'true' : 'false'} aria-controls="mentions" aria-label=${strings.composerLabel}>
          <textarea
            part="input"
            rows="1"
            aria-label=${strings.composerLabel}
            placeholder=${strings.composerPlaceholder}
            aria-autocomplete="list"
            aria-controls="mentions"
            aria-activedescendant=${menu ? `mention-${menu.active}` : nothing}
            aria-describedby=${counter ? 'counter' : nothing}
            aria-invalid=${left < 0 ? 'true' : nothing}
            ?disabled=${muted}
            @input=${this.#handleInput}
            @keydown=${this.#handleKeydown}
            @keyup=${this.#handleKeyup}
            @click=${this.#handleCaret}
          ></textarea>
          ${this.#renderMenu()}
        </div>
        <button part="send-button" class="send" type="submit" aria-label=${strings.send} ?disabled=${muted || !canSend(draft)}>${ICONS.send}</button>
      </div>
      ${counter ? html`<p id="counter" part="counter" class="counter ${left < 0 ? 'counter--over' : ''}">${counter}</p>` : nothing}
    </form>`;
  }
}
