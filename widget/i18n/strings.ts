import { EN, type ChorusStrings } from './en.ts';
import { FR } from './fr.ts';

export { EN, FR, type ChorusStrings };

/** The built-in dictionaries, by primary language subtag. */
export const DICTIONARIES: Readonly<Record<string, ChorusStrings>> = { en: EN, fr: FR };

/**
 * The locale to use: the element's `locale` attribute, else the page's `<html lang>`, else
 * `navigator.language`, else `en`.
 * @example resolveLocale('', 'fr-CA') // 'fr-CA'
 */
export function resolveLocale(attribute: string | null | undefined, pageLang: string | null | undefined = globalThis.document?.documentElement.lang): string {
  const candidate = attribute?.trim() || pageLang?.trim() || globalThis.navigator?.language || 'en';
  try {
    return Intl.getCanonicalLocales(candidate)[0] ?? 'en';
  } catch {
    return 'en';
  }
}

/**
 * The dictionary for a locale (by its language, English when there is none), with the host's
 * overrides on top.
 * @example stringsFor('fr-FR', { send: 'Go' }).send // 'Go'
 */
export function stringsFor(locale: string, overrides: Partial<ChorusStrings> | null | undefined = undefined): ChorusStrings {
  const language = locale.toLowerCase().split('-')[0] ?? 'en';
  const base = DICTIONARIES[language] ?? EN;
  return overrides ? { ...base, ...overrides } : base;
}

/**
 * Fills `{placeholders}`; unknown ones are left as they are.
 * @example format('{count} unread', { count: 3 }) // '3 unread'
 */
export function format(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) => (key in values ? String(values[key]) : match));
}

/**
 * Names joined the locale's way ("Ada, Grace and Linus").
 * @example listNames(['Ada', 'Grace'], 'en') // 'Ada and Grace'
 */
export function listNames(names: readonly string[], locale: string): string {
  try {
    return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(names);
  } catch {
    return names.join(', ');
  }
}

/** Widget error codes with a message of their own in the dictionaries (others show the server's text). */
const ERROR_STRINGS: Readonly<Record<string, keyof ChorusStrings>> = {
  network_error: 'errorNetwork',
  timeout: 'errorTimeout',
  not_connected: 'errorNotConnected',
  channel_error: 'errorNetwork',
};

/**
 * What to show for an error: the dictionary's words for the widget's own codes, else the
 * server's message (already written for people).
 * @example describeError({ code: 'network_error', message: 'Failed to fetch' }, EN) // 'The chat server cannot be reached.'
 */
export function describeError(error: { code: string; message: string } | undefined, strings: ChorusStrings): string {
  if (!error) return '';
  const key = ERROR_STRINGS[error.code];
  return key ? strings[key] : error.message;
}
