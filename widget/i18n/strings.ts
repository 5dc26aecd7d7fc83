import { warnOnce } from '../lib/warn-once.ts';
import { EN, type ChorusStrings } from './en.ts';

export { EN, type ChorusStrings };

/** Set by the widget build: each language pack's content-hashed file (widget/build/emit-language-packs.ts). */
declare const __CHORUS_LANGUAGE_PACKS__: Readonly<Record<string, string>> | undefined;

/**
 * The languages besides English, and their pack's file under `{server}/chorus-i18n/`: content-hashed
 * in a build (cached for good), `<language>.json` when the sources run unbuilt (tests).
 */
export const LANGUAGE_PACK_FILES: Readonly<Record<string, string>> =
  typeof __CHORUS_LANGUAGE_PACKS__ === 'object' ? __CHORUS_LANGUAGE_PACKS__ : { fr: 'fr.json' };

/** Language packs by language: loading, loaded, or `null` when they could not be loaded (English then). */
const packs = new Map<string, Promise<void> | ChorusStrings | null>();

const languageOf = (locale: string): string => locale.toLowerCase().split('-')[0] ?? 'en';

/**
 * The locale to use: the element's `locale` attribute, else the page's `<html lang>`, else
 * `navigator.language`, else `en`.
 * @example resolveLocale('', 'fr-CA') // 'fr-CA'
 */
export function resolveLocale(
  attribute: string | null | undefined,
  pageLang: string | null | undefined = globalThis.document?.documentElement.lang,
): string {
  const candidate = attribute?.trim() || pageLang?.trim() || globalThis.navigator?.language || 'en';
  try {
    return Intl.getCanonicalLocales(candidate)[0] ?? 'en';
  } catch {
    return 'en';
  }
}

/**
 * Fetches the pack of a locale's language from a Chorus server, once per page, and returns the
 * promise of it while it loads (else `undefined`: English, or a pack already settled). The promise
 * never rejects: a pack that cannot be loaded warns once and leaves English. Keys a pack lacks (a
 * server of another version) stay English.
 * @example await loadLanguagePack('fr', 'https://chat.example.com'); stringsFor('fr').send // 'Envoyer'
 */
export function loadLanguagePack(locale: string, server: string): Promise<void> | undefined {
  const language = languageOf(locale);
  const file = LANGUAGE_PACK_FILES[language];
  let pack = packs.get(language);
  if (file && pack === undefined) {
    const url = `${server.replace(/\/+$/, '')}/chorus-i18n/${file}`;
    pack = fetch(url)
      .then((response) =>
        response.ok ? response.json() : Promise.reject(new Error(`HTTP ${response.status}`)),
      )
      .then(
        (strings: Partial<ChorusStrings>) => void packs.set(language, { ...EN, ...strings }),
        (error: unknown) => {
          packs.set(language, null);
          warnOnce(
            'language-pack',
            `${url} could not be loaded (${String(error)}); the chat is in English`,
          );
        },
      );
    packs.set(language, pack);
  }
  return pack instanceof Promise ? pack : undefined;
}

/**
 * The dictionary for a locale (by its language; English when its pack is not loaded), with the
 * host's overrides on top.
 * @example stringsFor('fr-FR', { send: 'Go' }).send // 'Go'
 */
export function stringsFor(
  locale: string,
  overrides: Partial<ChorusStrings> | null | undefined = undefined,
): ChorusStrings {
  const pack = packs.get(languageOf(locale));
  const base = pack && !(pack instanceof Promise) ? pack : EN;
  return overrides ? { ...base, ...overrides } : base;
}

/**
 * Fills `{placeholders}`; unknown ones are left as they are.
 * @example format('{count} unread', { count: 3 }) // '3 unread'
 */
export function format(
  template: string,
  values: Readonly<Record<string, string | number>>,
): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) =>
    key in values ? String(values[key]) : match,
  );
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
  muted: 'muted',
  rate_limited: 'errorRateLimited',
};

/**
 * What to show for an error: the dictionary's words for the widget's own codes, else the
 * server's message (already written for people).
 * @example describeError({ code: 'network_error', message: 'Failed to fetch' }, EN) // 'The chat server cannot be reached.'
 */
export function describeError(
  error: { code: string; message: string } | undefined,
  strings: ChorusStrings,
): string {
  if (!error) return '';
  const key = ERROR_STRINGS[error.code];
  return key ? strings[key] : error.message;
}

/** For tests: forgets the language packs loaded (or failed) so far. */
export function forgetLanguagePacks(): void {
  packs.clear();
}
