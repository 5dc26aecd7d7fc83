import { describe, expect, it } from 'vitest';
import { FR } from '../i18n/fr.ts';
import { LANGUAGE_PACKS } from '../i18n/language-packs.ts';
import { emitLanguagePacks, languagePackFiles } from './emit-language-packs.ts';

describe('emitLanguagePacks', () => {
  it('writes each dictionary as JSON, named by language and by content', () => {
    const [french, ...others] = languagePackFiles({ fr: FR });
    expect(others).toEqual([]);
    expect(JSON.parse(french!.json)).toEqual(FR);
    expect(french!.hashedName).toMatch(/^fr\.[0-9a-f]{8}\.json$/);
    expect(languagePackFiles({ fr: { ...FR, send: 'Envoi' } })[0]!.hashedName).not.toBe(
      french!.hashedName,
    );
    expect(languagePackFiles({ fr: FR })[0]!.hashedName).toBe(french!.hashedName);
  });

  it('emits both names of every pack and tells the bundle the hashed ones', () => {
    const plugin = emitLanguagePacks();
    const files = languagePackFiles(LANGUAGE_PACKS);
    const config = (plugin.config as () => { define: Record<string, string> })();
    expect(JSON.parse(config.define['__CHORUS_LANGUAGE_PACKS__']!)).toEqual(
      Object.fromEntries(files.map((file) => [file.language, file.hashedName])),
    );

    const emitted: { fileName: string; source: string }[] = [];
    (plugin.generateBundle as (this: unknown) => void).call({
      emitFile: (file: { fileName: string; source: string }) => emitted.push(file),
    });
    expect(emitted.map((file) => file.fileName).sort()).toEqual(
      files
        .flatMap((file) => [`chorus-i18n/${file.language}.json`, `chorus-i18n/${file.hashedName}`])
        .sort(),
    );
    for (const file of emitted)
      expect(JSON.parse(file.source)).toEqual(
        LANGUAGE_PACKS[/chorus-i18n\/(\w+)\./.exec(file.fileName)![1]!],
      );
  });
});
