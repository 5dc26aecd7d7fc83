import { html, LitElement } from 'lit';
import type { ChorusStrings } from '../../i18n/strings.ts';
import { StoreController } from '../../lib/store-controller.ts';
import type { ChatState } from '../../stores/chat-state.ts';
import { sharedStyles } from '../../styles/shared.styles.ts';
import { welcomeStyles } from './welcome.styles.ts';

/**
 * @summary An empty conversation's first screen: the room's welcome (else the default line) and
 * its suggested first questions, as buttons that send them.
 */
export class ChorusWelcome extends LitElement {
  static override styles = [sharedStyles, welcomeStyles];

  static override properties = {
    state: { attribute: false },
    strings: { attribute: false },
  };

  declare state: ChatState | undefined;
  declare strings: ChorusStrings;

  readonly #session = new StoreController(this, () => this.state?.status.$session);

  constructor() {
    super();
    this.state = undefined;
  }

  override render() {
    const room = this.#session.value?.room;
    return html`<p class="empty">${room?.welcome || this.strings.emptyRoom}</p>
      ${room?.starters?.map((starter) => html`<button class="button starter" type="button" @click=${() => this.state?.transcript.sendMessage(starter)}>${starter}</button>`)}`;
  }
}
