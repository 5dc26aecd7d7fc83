import type { ChatMessage } from '../../stores/transcript.ts';

/** Consecutive messages of one author within this long share one author row. */
const RUN_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** The local calendar day of an ISO time, as a comparable key. */
export function dayKey(iso: string): string {
  return new Date(iso).toDateString();
}

/**
 * A day separator's text: "Today", "Yesterday", else the date, in `locale`.
 * @example dayLabel(new Date().toISOString(), 'en') // 'Today'
 */
export function dayLabel(iso: string, locale: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const key = `${locale}\n${date.toDateString()}\n${new Date().toDateString()}`;
  let label = labels.get(key);
  if (label === undefined) {
    if (labels.size > 500) labels.clear();
    labels.set(key, (label = formatDay(date, locale)));
  }
  return label;
}

/** Day labels by locale, day and today (Intl formatters are slow to create). */
const labels = new Map<string, string>();

/** The two formatters of the locale in use, made once (each costs milliseconds to create). */
let formatters:
  { locale: string; relative: Intl.RelativeTimeFormat; date: Intl.DateTimeFormat } | undefined;

function formatDay(date: Date, locale: string): string {
  const midnight = (value: Date) =>
    new Date(value.getFullYear(), value.getMonth(), value.getDate()).getTime();
  const days = Math.round((midnight(date) - midnight(new Date())) / DAY_MS);
  if (formatters?.locale !== locale)
    formatters = {
      locale,
      relative: new Intl.RelativeTimeFormat(locale || undefined, { numeric: 'auto' }),
      date: new Intl.DateTimeFormat(locale || undefined, { dateStyle: 'medium' }),
    };
  const text =
    days === 0 || days === -1
      ? formatters.relative.format(days, 'day')
      : formatters.date.format(date);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Whether `message` continues `previous`'s run: same author, a few minutes apart, neither a system note. */
export function sameAuthorRun(previous: ChatMessage, message: ChatMessage): boolean {
  return (
    message.author.kind !== 'system' &&
    previous.author.kind === message.author.kind &&
    previous.author.id === message.author.id &&
    Date.parse(message.createdAt) - Date.parse(previous.createdAt) < RUN_MS
  );
}
