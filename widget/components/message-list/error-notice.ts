// Failed agent replies as visitors see them (docs/architecture.md §5, "Failed replies"): one
// friendly notice per cause and message, with one Retry for every agent that failed.
import { html, nothing } from 'lit';
import { format, type ChorusStrings } from '../../i18n/strings.ts';
import type { ChatMessage } from '../../stores/transcript.ts';
import { ICONS } from '../../styles/icons.ts';

export interface FailedReplies {
  /** The first failed reply of each group, with the whole group (itself first). */
  lead: Map<string, ChatMessage[]>;
  /** The other replies of a group: not rendered, the lead's notice speaks for them. */
  folded: Set<string>;
}

/**
 * Agent replies that failed before saying anything, grouped by the message they answer and the
 * public error code: several agents failing for one cause in one round make one notice.
 */
export function failedReplies(
  messages: readonly ChatMessage[],
  superseded: ReadonlySet<string>,
): FailedReplies {
  const lead = new Map<string, ChatMessage[]>();
  const folded = new Set<string>();
  const groups = new Map<string, ChatMessage[]>();
  for (const message of messages) {
    if (message.status !== 'error' || message.author.kind !== 'agent') continue;
    if (message.content.trim() !== '' || message.parts.length > 0) continue;
    const key = `${message.replyTo}\n${message.error}\n${superseded.has(message.id)}`;
    const group = groups.get(key);
    if (group) {
      group.push(message);
      folded.add(message.id);
    } else {
      groups.set(key, [message]);
      lead.set(message.id, groups.get(key) as ChatMessage[]);
    }
  }
  return { lead, folded };
}

/**
 * The notice for a group of failed replies: who could not answer and why, in the visitor's words
 * (`agent_refused`, `reply_failed`, an unknown code or an older row's free text read as the
 * generic line: nothing a visitor can fix), and one Retry.
 */
export function renderErrorNotice(
  group: readonly ChatMessage[],
  options: {
    strings: ChorusStrings;
    locale: string;
    /** Absent when newer attempts replaced these replies. */
    onRetry: (() => void) | undefined;
  },
) {
  const { strings } = options;
  const lead = group[0] as ChatMessage;
  const names = new Intl.ListFormat(options.locale || undefined).format(
    group.map((message) => message.author.name),
  );
  const text = format(
    lead.error === 'agent_unavailable'
      ? strings.replyUnavailable
      : lead.error === 'budget_exhausted'
        ? strings.replyBudget
        : strings.replyFailed,
    { names },
  );
  return html`<div class="message message--notice" part="error-notice" role="status" data-id=${lead.id}>
    <span class="status status--error">${text}</span>
    ${options.onRetry ? html`<div class="actions"><button class="button" type="button" @click=${options.onRetry}>${ICONS.retry} ${strings.retry}</button></div>` : nothing}
  </div>`;
}
