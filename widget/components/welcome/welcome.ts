import { html, LitElement, nothing } from 'lit';
import { format, type ChorusStrings } from '../../i18n/strings.ts';
import { cssProps, safeColor } from '../../lib/css-props.ts';
import { StoreController } from '../../lib/store-controller.ts';
import type { AgentInfo } from '../../room/api-types.ts';
import type { ChatState } from '../../stores/chat-state.ts';
import { sharedStyles } from '../../styles/shared.styles.ts';
import { welcomeStyles } from './welcome.styles.ts';

/**
 * @summary An empty conversation’s first screen (docs/architecture.md §8): the room's welcome
 * (else the default line), a card of its agents (colour, name, an "AI" label, the model, the
 * description, in plain sight for touch users too), and its suggested first questions as
 * buttons that send them.
 */
export class ChorusWelcome extends LitElement {
  static override styles = [sharedStyles, welcomeStyles];

  static override properties = {
    state: { attribute: false },
    strings: { attribute: false },
    locale: { attribute: false },
  };

  declare state: ChatState | undefined;
  declare strings: ChorusStrings;
  /** The BCP 47 locale dates are written in; empty: the browser's. */
  declare locale: string;

  readonly #session = new StoreController(this, () => this.state?.status.$session);
  readonly #agents = new StoreController(this, () => this.state?.$agents);
  readonly #room = new StoreController(this, () => this.state?.status.$room);

  constructor() {
    super();
    this.state = undefined;
    this.locale = '';
  }

  #renderAgent(agent: AgentInfo) {
    const strings = this.strings;
    // Offline personas name their voice as the model (the handle again): not worth a line.
    const model = agent.model && agent.model !== agent.handle ? agent.model : '';
    return html`<li class="agent" ${cssProps({ '--chorus-author-color': safeColor(agent.color) })}>
      <span class="dot" aria-hidden="true"></span><span class="name">${agent.name}</span> <span class="ai">${strings.aiLabel}</span>
      ${model ? html`<span class="model">${format(strings.modelLabel, { model })}</span>` : nothing}
      ${agent.description ? html`<span class="description">${agent.description}</span>` : nothing}
    </li>`;
  }

  override render() {
    const strings = this.strings;
    const room = this.#session.value?.room;
    const agents = this.#agents.value ?? [];
    const starters = room?.starters ?? [];
    const last = this.#room.value?.lastSession;
    const lastLine = last
      ? format(strings.lastSession, {
          date: new Date(last.endedAt).toLocaleDateString(this.locale || undefined),
          summary: last.summary.split('\n')[0] ?? '',
        })
      : '';
    return html`<p class="empty">${room?.welcome || strings.emptyRoom}</p>
      ${last ? html`<p class="last" part="last-session" title=${last.summary}>${lastLine}</p>` : nothing}
      ${
        agents.length > 0
          ? html`<ul class="agents" aria-label=${strings.agentsLabel}>${agents.map((agent) => this.#renderAgent(agent))}</ul>`
          : nothing
      }
      ${
        starters.length > 0
          ? html`<div class="starters" role="group" aria-label=${strings.startersLabel}>
            ${starters.map((starter) => html`<button class="button starter" type="button" @click=${() => this.state?.transcript.sendMessage(starter)}>${starter}</button>`)}
          </div>`
          : nothing
      }`;
  }
}
