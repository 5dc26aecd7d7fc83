import { html, LitElement, nothing } from 'lit';
import { sharedStyles } from '../../../widget/styles/shared.styles.ts';
import { ChorusSignInEvent } from '../../events.ts';
import { INBOX_STRINGS, type InboxStrings } from '../../strings.ts';
import { signInStyles } from './sign-in.styles.ts';

/**
 * @summary The inbox's sign-in form: the admin key (unless the page has one, from the address)
 * and the name visitors will see; submitting dispatches `chorus-sign-in`.
 */
export class ChorusInboxSignIn extends LitElement {
  static override styles = [sharedStyles, signInStyles];

  static override properties = {
    needsKey: { type: Boolean, attribute: 'needs-key' },
    name: {},
    problem: {},
    strings: { attribute: false },
  };

  declare needsKey: boolean;
  /** The name to start with (the one used last in this tab). */
  declare name: string;
  /** Why the last sign-in failed. */
  declare problem: string | null;
  declare strings: InboxStrings;

  constructor() {
    super();
    this.needsKey = true;
    this.name = '';
    this.problem = null;
    this.strings = INBOX_STRINGS;
  }

  #handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const key = String(form.get('key') ?? '').trim();
    const name = String(form.get('name') ?? '').trim();
    if ((this.needsKey && !key) || !name) return;
    this.dispatchEvent(new ChorusSignInEvent(key, name));
  }

  override render() {
    const strings = this.strings;
    return html`<main class="sign-in">
      <form class="card" @submit=${this.#handleSubmit}>
        <h1>${strings.signInTitle}</h1>
        ${this.needsKey ? html`<p class="help">${strings.signInHelp}</p>` : nothing}
        ${this.problem ? html`<p class="problem" role="alert">${this.problem}</p>` : nothing}
        ${
          this.needsKey
            ? html`<label>${strings.keyLabel}<input name="key" type="password" autocomplete="off" required /></label>`
            : nothing
        }
        <label>${strings.nameLabel}<input name="name" autocomplete="name" required maxlength="60" .value=${this.name} /></label>
        <button class="button button--primary" type="submit">${strings.signIn}</button>
      </form>
    </main>`;
  }
}
