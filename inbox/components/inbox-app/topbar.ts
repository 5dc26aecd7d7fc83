import { html, nothing } from 'lit';
import type { AdminRoom } from '../../../protocol/schemas/rest.ts';
import { format } from '../../../widget/i18n/strings.ts';
import type { InboxLiveStatus } from '../../room/support-inbox.ts';
import type { InboxStrings } from '../../strings.ts';

export interface TopbarOptions {
  strings: InboxStrings;
  /** The support rooms the operator may pick from (none: the one of their identity). */
  rooms: readonly AdminRoom[];
  current: string | undefined;
  live: InboxLiveStatus | undefined;
  name: string;
  onRoom(room: string): void;
  onSignOut(): void;
}

/**
 * The inbox's top bar, rendered into `<chorus-inbox>`'s shadow root (its styles are the app's):
 * the title, the support room (a picker when there are several), whether the list is live, who
 * is signed in, and Sign out.
 */
export function renderTopbar(options: TopbarOptions) {
  const { strings, rooms, current, live } = options;
  return html`<header class="topbar" part="topbar">
    <h1 class="brand">${strings.title}</h1>
    ${
      rooms.length > 1
        ? html`<label class="room-picker">${strings.roomLabel}
          <select @change=${(event: Event) => options.onRoom((event.target as HTMLSelectElement).value)}>
            ${rooms.map((room) => html`<option value=${room.id} ?selected=${room.id === current}>${room.title}</option>`)}
          </select>
        </label>`
        : current
          ? html`<span class="room">${rooms[0]?.title ?? current}</span>`
          : nothing
    }
    ${live ? html`<span class="live live--${live}" role="status">${live === 'open' ? strings.live : strings.reconnecting}</span>` : nothing}
    <span class="signed-in">${format(strings.signedInAs, { name: options.name })}</span>
    <button class="button" type="button" @click=${() => options.onSignOut()}>${strings.signOut}</button>
  </header>`;
}
