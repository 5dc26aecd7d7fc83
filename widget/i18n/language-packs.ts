import type { ChorusStrings } from './en.ts';
import { FR } from './fr.ts';

/**
 * The dictionaries besides English, by primary language subtag. The widget never imports them:
 * the build writes each as `chorus-i18n/<language>.json` next to `chorus.js`
 * (widget/build/emit-language-packs.ts), and the element fetches the one it needs from its server
 * (`loadLanguagePack` in strings.ts). Add a language here and it ships.
 */
export const LANGUAGE_PACKS: Readonly<Record<string, ChorusStrings>> = { fr: FR };
