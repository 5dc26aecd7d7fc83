import { html, LitElement, nothing } from 'lit';
import { format, type ChorusStrings } from '../../i18n/strings.ts';
import { cssProps, safeColor } from '../../lib/css-props.ts';
import { StoreController } from '../../lib/store-controller.ts';
import type { ChatState } from '../../stores/chat-state.ts';
import type { AgentView } from '../../stores/presence.ts';
import { ICONS } from '../../styles/icons.ts';
import { sharedStyles } from '../../styles/shared.styles.ts';
import { headerStyles } from './header.styles.ts';

const PEOPLE_SHOWN = 3;

/**
 * @summary The chat's header: the room's title and who is here (agents with their status, people).
 * Not a `<header>`: inside a shadow root it would be a second `banner` landmark on the host page.
 * An agent is named by its name and status ("Critic, available"); its description is the tooltip.
 * @csspart header - The header.   @csspart title - The room title.   @csspart presence - The list of who is here.
 * @csspart close-button - Closes the launcher's panel.
 */
export class ChorusChatHeader extends LitElement {
  static override styles = [sharedStyles, headerStyles];

  static override properties = {
    state: { attribute: false },
    strings: { attribute: false },
    roomTitle: { attribute: false },
    closable: { type: Boolean },
    onClose: { attribute: false },
  };

  declare state: ChatState | undefined;
  declare strings: ChorusStrings;
  declare roomTitle: string;
  declare closable: boolean;
  declare onClose: (() => void) | undefined;

  readonly #participants = new StoreController(this, () => this.state?.presence.$participants);

  constructor() {
    super();
    this.state = undefined;
    this.roomTitle = '';
    this.closable = false;
    this.onClose = undefined;
  }

  #renderAgent(agent: AgentView) {
    const strings = this.strings;
    const status =
      agent.status === 'streaming'
        ? strings.agentStreaming
        : agent.status === 'thinking'
          ? strings.agentThinking
          : agent.status === 'unknown'
            ? strings.agentUnknown
            : strings.agentIdle;
    return html`<li class="agent agent--${agent.status}" ${cssProps({ '--chorus-author-color': safeColor(agent.color) })} aria-label="${agent.name}, ${status}" title=${agent.description ?? nothing}>
      <span class="dot" aria-hidden="true"></span><span class="name">${agent.name}</span> <span class=${agent.status === 'idle' ? 'visually-hidden' : 'status'}>${status}</span>
    </li>`;
  }

  override render() {
    const strings = this.strings;
    const { agents = [], people = [] } = this.#participants.value ?? {};
    const shown = people.slice(0, PEOPLE_SHOWN);
    return html`<div part="header" class="header">
      <div class="title-row">
        <h2 part="title" class="title">${this.roomTitle}</h2>
        ${
          this.closable
            ? html`<button part="close-button" class="icon-button" type="button" aria-label=${strings.closeChat} @click=${() => this.onClose?.()}>${ICONS.close}</button>`
            : nothing
        }
      </div>
      ${
        agents.length + people.length === 0
          ? nothing
          : html`<ul part="presence" class="presence" aria-label=${strings.whoIsHere}>
            ${agents.map((agent) => this.#renderAgent(agent))}
            ${shown.map(
              (person) =>
                html`<li class="person ${person.unknown ? 'person--unknown' : ''}"><span class="dot" aria-hidden="true"></span><span class="name">${person.self ? format(strings.you, { name: person.name }) : person.name}</span>${person.unknown ? html` <span class="visually-hidden">${strings.agentUnknown}</span>` : nothing}${person.staff ? html` <span class="staff">${strings.staffBadge}</span>` : nothing}</li>`,
            )}
            ${people.length > PEOPLE_SHOWN ? html`<li class="person">${format(strings.morePeople, { count: people.length - PEOPLE_SHOWN })}</li>` : nothing}
          </ul>`
      }
    </div>`;
  }
}
