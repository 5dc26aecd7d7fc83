/**
 * A Vite plugin for the widget build: writes each dictionary of widget/i18n/language-packs.ts as
 * JSON next to the bundle, so that only English is in `chorus.js` (measured: 0.7 KB of it
 * gzipped for French) and the element fetches another language from its server when a page needs
 * it (`loadLanguagePack`). The TypeScript dictionaries stay the one source, type-checked against
 * `ChorusStrings`.
 *
 * Each pack is written twice, as `chorus-i18n/<language>.<hash>.json` (named by its content, so
 * the server lets browsers keep it for a year) and `chorus-i18n/<language>.json` (the latest, for
 * the sources run unbuilt). The build tells the bundle the hashed names through
 * `__CHORUS_LANGUAGE_PACKS__` (widget/i18n/strings.ts).
 */
import { createHash } from 'node:crypto';
import type { Plugin } from 'vite';
import type { ChorusStrings } from '../i18n/en.ts';
import { LANGUAGE_PACKS } from '../i18n/language-packs.ts';

/** Where the packs go, under the build's output and under the server's URL. */
export const LANGUAGE_PACK_DIR = 'chorus-i18n';

export interface LanguagePackFile {
  language: string;
  /** `<language>.<first 8 hex digits of the JSON's SHA-256>.json` */
  hashedName: string;
  json: string;
}

/**
 * The JSON files of the given dictionaries.
 * @example languagePackFiles({ fr: FR })[0].hashedName // 'fr.3f9c2a1b.json'
 */
export function languagePackFiles(
  packs: Readonly<Record<string, ChorusStrings>> = LANGUAGE_PACKS,
): LanguagePackFile[] {
  return Object.entries(packs).map(([language, strings]) => {
    const json = JSON.stringify(strings);
    const hash = createHash('sha256').update(json).digest('hex').slice(0, 8);
    return { language, hashedName: `${language}.${hash}.json`, json };
  });
}

/**
 * @example defineConfig({ plugins: [emitLanguagePacks()] })
 */
export function emitLanguagePacks(): Plugin {
  const files = languagePackFiles();
  return {
    name: 'chorus:emit-language-packs',
    apply: 'build',
    config: () => ({
      define: {
        __CHORUS_LANGUAGE_PACKS__: JSON.stringify(
          Object.fromEntries(files.map((file) => [file.language, file.hashedName])),
        ),
      },
    }),
    generateBundle() {
      for (const file of files) {
        for (const name of [file.hashedName, `${file.language}.json`]) {
          this.emitFile({
            type: 'asset',
            fileName: `${LANGUAGE_PACK_DIR}/${name}`,
            source: file.json,
          });
        }
      }
    },
  };
}
