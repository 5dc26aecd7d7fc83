import { html, LitElement, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { ChorusStrings } from '../../i18n/strings.ts';
import { cssProps, safeColor } from '../../lib/css-props.ts';
import { StoreController } from '../../lib/store-controller.ts';
import type { ChatState } from '../../stores/chat-state.ts';
import { ICONS } from '../../styles/icons.ts';
import { sharedStyles } from '../../styles/shared.styles.ts';
import { composerStyles } from './composer.styles.ts';

/**
 * @summary The message field: Enter sends, Shift+Enter is a new line, `@` opens the agent menu
 * (ArrowUp/Down to move, Enter or Tab to pick, Escape to close), and Stop all while replies stream.
 * @csspart composer - The form.   @csspart input - The text field.   @csspart send-button - Send.
 * @csspart mention-list - The @mention menu.   @csspart mention-option - One agent in it.
 * @csspart stop-all-button - Stops every reply in progress.
 */
export class ChorusComposer extends LitElement {
  static override styles = [sharedStyles, composerStyles];

  static override properties = {
    state: { attribute: false },
    strings: { attribute: false },
  };

  declare state: ChatState | undefined;
  declare strings: ChorusStrings;

  readonly #draft = new StoreController(this, () => this.state?.composer.$draft);
  readonly #mention = new StoreController(this, () => this.state?.composer.$mention);
  readonly #streaming = new StoreController(this, () => this.state?.transcript.$streaming);
  #caretAfterUpdate: number | undefined;

  constructor() {
    super();
    this.state = undefined;
  }

  /** Moves focus to the text field. */
  focusInput(): void {
    this.#input?.focus();
  }

  get #input(): HTMLTextAreaElement | null {
    return this.renderRoot.querySelector('textarea');
  }

  protected override updated(): void {
    if (this.#caretAfterUpdate === undefined) return;
    this.#input?.setSelectionRange(this.#caretAfterUpdate, this.#caretAfterUpdate);
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
          <span class="dot" aria-hidden="true"></span><span class="handle">@${agent.handle}</span> <span class="name">${agent.name}</span>
        </li>`,
        ) ?? nothing
      }
    </ul>`;
  }

  override render() {
    const strings = this.strings;
    const menu = this.#mention.value;
    const streaming = this.#streaming.value?.length ?? 0;
    return html`<form part="composer" class="composer" @submit=${this.#handleSubmit}>
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
            .value=${live(this.#draft.value ?? '')}
            @input=${this.#handleInput}
            @keydown=${this.#handleKeydown}
            @keyup=${this.#handleKeyup}
            @click=${this.#handleCaret}
          ></textarea>
          ${this.#renderMenu()}
        </div>
        <button part="send-button" class="send" type="submit" aria-label=${strings.send}>${ICONS.send}</button>
      </div>
    </form>`;
  }
}
