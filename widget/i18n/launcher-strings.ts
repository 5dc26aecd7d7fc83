import { EN, type ChorusStrings } from './en.ts';
import { LANGUAGE_PACKS } from './language-packs.ts';

/** The few strings the loader's launcher shows before the widget (and its language packs) load. */
export const LAUNCHER_STRING_KEYS = ['openChat', 'loadingChat', 'loadFailed', 'retryNow'] as const;
export type LauncherStrings = Pick<ChorusStrings, (typeof LAUNCHER_STRING_KEYS)[number]>;

/**
 * Those strings in every language the widget has, by primary language subtag: the loader's build
 * embeds them (`__CHORUS_LAUNCHER_STRINGS__`, vite.config.ts), so a French page's launcher is
 * French without fetching anything.
 * @example launcherStringsByLanguage().fr.openChat // 'Ouvrir la discussion'
 */
export function launcherStringsByLanguage(): Record<string, LauncherStrings> {
  const pick = (strings: ChorusStrings) =>
    Object.fromEntries(LAUNCHER_STRING_KEYS.map((key) => [key, strings[key]])) as LauncherStrings;
  return Object.fromEntries(
    Object.entries({ en: EN, ...LANGUAGE_PACKS }).map(([language, strings]) => [
      language,
      pick(strings),
    ]),
  );
}
